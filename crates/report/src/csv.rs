//! Minimal RFC 4180 CSV output: enough for our own columns, without a dependency.

/// Appends one record (fields joined by commas, quoted where needed) and a `\n`.
pub fn push_record<I, S>(out: &mut String, fields: I)
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_field(out, field.as_ref());
    }
    out.push('\n');
}

fn push_field(out: &mut String, field: &str) {
    if field.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&field.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(field);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_only_when_needed() {
        let mut out = String::new();
        super::push_record(&mut out, ["a", "b,c", "say \"hi\"", ""]);
        assert_eq!(out, "a,\"b,c\",\"say \"\"hi\"\"\",\n");
    }
}

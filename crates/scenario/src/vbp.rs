//! The Vectorpack `.vbp` vector bin-packing instance format
//! (Vectorpack/experiments_vector_paper, Mommessin et al., Computers & OR 2025):
//!
//! ```text
//! d                      number of dimensions
//! c_1 … c_d              bin capacity per dimension
//! n                      number of item types
//! s_1 … s_d  k           (n lines) item sizes and how many items have them
//! ```

/// One parsed instance. All bins are identical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VbpInstance {
    pub name: String,
    pub bin_capacity: Vec<u64>,
    /// (sizes, count) per item type.
    pub item_types: Vec<(Vec<u64>, u64)>,
}

impl VbpInstance {
    pub fn dimensions(&self) -> usize {
        self.bin_capacity.len()
    }

    pub fn item_count(&self) -> u64 {
        self.item_types.iter().map(|(_, k)| k).sum()
    }
}

/// A `.vbp` syntax error: which line and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}:{line}: {message}")]
pub struct VbpError {
    pub name: String,
    pub line: usize,
    pub message: String,
}

/// Parses `.vbp` text. `name` is used in errors and kept on the instance.
pub fn parse_vbp(name: &str, text: &str) -> Result<VbpInstance, VbpError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let err = |line: usize, message: String| VbpError {
        name: name.to_string(),
        line,
        message,
    };
    let mut next_numbers =
        |what: &str, expected: Option<usize>| -> Result<(usize, Vec<u64>), VbpError> {
            let (line, text) = lines
                .next()
                .ok_or_else(|| err(0, format!("unexpected end of file, expected {what}")))?;
            let numbers = text
                .split_whitespace()
                .map(|t| {
                    t.parse::<u64>().map_err(|_| {
                        err(
                            line,
                            format!("`{t}` is not a non-negative integer in {what}"),
                        )
                    })
                })
                .collect::<Result<Vec<u64>, _>>()?;
            if let Some(n) = expected
                && numbers.len() != n
            {
                return Err(err(
                    line,
                    format!("expected {n} numbers for {what}, found {}", numbers.len()),
                ));
            }
            Ok((line, numbers))
        };
    let (line, d) = next_numbers("the dimension count", Some(1))?;
    let d = usize::try_from(d[0])
        .ok()
        .filter(|d| (1..=64).contains(d))
        .ok_or_else(|| err(line, "dimension count must be 1..=64".into()))?;
    let (_, bin_capacity) = next_numbers("the bin capacities", Some(d))?;
    let (_, n) = next_numbers("the item-type count", Some(1))?;
    let mut item_types = Vec::new();
    for _ in 0..n[0] {
        let (line, mut v) = next_numbers("an item line", Some(d + 1))?;
        let count = v.pop().unwrap_or(0);
        if v.iter().zip(&bin_capacity).any(|(s, c)| s > c) {
            return Err(err(line, "item larger than the bin".into()));
        }
        item_types.push((v, count));
    }
    Ok(VbpInstance {
        name: name.to_string(),
        bin_capacity,
        item_types,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_small_instance() {
        let i = parse_vbp("t", "2\n10 10\n2\n5 3 2\n10 10 1\n").unwrap();
        assert_eq!(i.dimensions(), 2);
        assert_eq!(i.item_count(), 3);
        assert_eq!(i.item_types[1], (vec![10, 10], 1));
    }

    #[test]
    fn reports_line_numbers() {
        assert_eq!(parse_vbp("t", "2\n10 10\n1\n5 x 2\n").unwrap_err().line, 4);
        assert!(
            parse_vbp("t", "2\n10 10\n2\n5 3 2\n")
                .unwrap_err()
                .message
                .contains("end of file")
        );
        assert!(
            parse_vbp("t", "2\n10 10\n1\n11 3 2\n")
                .unwrap_err()
                .message
                .contains("larger")
        );
    }
}

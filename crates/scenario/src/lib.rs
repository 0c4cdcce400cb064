pub mod vbp;

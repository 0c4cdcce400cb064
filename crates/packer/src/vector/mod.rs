//! Vector bin packing on plain numbers: items with a demand per dimension, bin types
//! with a capacity per dimension and a price. The portfolio of heuristics lives here.

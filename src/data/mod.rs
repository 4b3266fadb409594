//! Image classification data in the IDX format of MNIST and its relatives.

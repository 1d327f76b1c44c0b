"""The files splitter reads and writes: collections, the layout record, layer files, file names, reading and safe writing."""

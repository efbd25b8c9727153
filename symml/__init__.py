"""symml: derive, check and explore the mathematics of machine learning."""

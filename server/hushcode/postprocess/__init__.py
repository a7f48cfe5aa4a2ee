"""Post-processing: turn raw model output into a suggestion worth showing."""

"""The elder registry (老年人信息库): every older resident of the region."""

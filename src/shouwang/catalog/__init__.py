"""The service catalogue (服务目录): what may be ordered, at what guide price, GB/T 43153-2023."""

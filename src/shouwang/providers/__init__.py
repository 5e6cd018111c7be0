"""Service providers (服务商): the social organisations and companies that deliver care."""

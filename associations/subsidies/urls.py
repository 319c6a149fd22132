"""The subsidies pages (citizens, associations and agents), in the "associations" URL namespace."""

urlpatterns: list = []

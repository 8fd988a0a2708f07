from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "kontaktpflege.bench"
    label = "bench"

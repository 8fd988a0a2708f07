from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "kontaktpflege.dataio"
    label = "dataio"

from django.contrib import admin

from kontaktpflege.recruiting.models import Candidacy, Opening, TalentPool

admin.site.register(Opening)
admin.site.register(Candidacy)
admin.site.register(TalentPool)

from django.urls import path

from contacts.api import views

urlpatterns = [
    path("contacts", views.ContactsView.as_view(), name="contacts"),
    path("contacts/import", views.ContactImportView.as_view(), name="contacts-import"),
    path("contacts/imports", views.ContactImportsView.as_view(), name="contacts-imports"),
    path("contacts/imports/<id:import_id>", views.ContactImportDetailView.as_view(), name="contacts-import-detail"),
    path("contacts/<id:contact_id>", views.ContactView.as_view(), name="contact"),
    path("contact-lists", views.ContactListsView.as_view(), name="contact-lists"),
    path("contact-lists/<id:list_id>", views.ContactListView.as_view(), name="contact-list"),
    path("contact-lists/<id:list_id>/contacts", views.ContactListContactsView.as_view(), name="contact-list-contacts"),
]

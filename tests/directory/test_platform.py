"""Platform identities in the directory: searchable at once, marked, merged with their national entry."""
from __future__ import annotations

from kernel.demo import seed
from kernel.directory import sync_all_identities, sync_identity
from kernel.models import Account, DirectoryEntry, Identity, MailAddress
from support.factories import make_account, make_structure


def test_accounts_and_structures_are_searchable_without_any_import(app, find, names):
    alice = make_account("alice", first="Alice", last="Lemaître", profession="Infirmière coordinatrice",
                         addresses=("alice.lemaitre@demo.mssante.fr",))
    structure = make_structure("Coordination REPAP")

    entry = find("lemaitre")["professionals"][0]
    assert (entry["id"], entry["display_name"], entry["profession"]) == (
        f"identity:{alice.identity_id}", "Alice LEMAÎTRE", "Infirmière coordinatrice")
    assert entry["has_account"] and entry["identity_id"] == alice.identity_id
    assert entry["addresses"] == [{"address": "alice.lemaitre@demo.mssante.fr", "type": "PER", "label": ""}]
    assert find("infirm coord")["professionals"][0]["identity_id"] == alice.identity_id
    service = find("repap")["services"][0]
    assert (service["display_name"], service["identity_id"], service["has_account"]) == (
        "Coordination REPAP", structure.id, True)


def test_an_account_holder_appears_once_merged_with_the_national_entry(app, lines, extraction, import_file, find):
    import_file(extraction([lines.per("julie@medecin.mssante.fr"), lines.per("julie@chu.mssante.fr",
                                                                            org="CHU DE LYON")]))
    alice = make_account("jbernard", first="Julie", last="Bernard", addresses=("julie@demo.mssante.fr",))
    Account.update(rpps="10001234567").where(Account.id == alice.id).execute()
    sync_identity(alice.identity_id)  # what changing an account's RPPS must do

    found = find("julie bernard", limit=10)["professionals"]
    assert len(found) == 1
    assert (found[0]["id"], found[0]["has_account"], found[0]["identity_id"]) == (
        "pp:810001234567", True, alice.identity_id)
    assert [a["address"] for a in found[0]["addresses"]] == [
        "julie@chu.mssante.fr", "julie@demo.mssante.fr", "julie@medecin.mssante.fr"]
    assert not DirectoryEntry.select().where(DirectoryEntry.key == f"identity:{alice.identity_id}").exists()
    assert [e["id"] for e in find("julie", kind="account")["professionals"]] == ["pp:810001234567"]

    # The account goes: the national entry stays, unmarked.
    Account.update(active=False).where(Account.id == alice.id).execute()
    sync_identity(alice.identity_id)
    found = find("julie bernard")["professionals"]
    assert [(e["id"], e["has_account"]) for e in found] == [("pp:810001234567", False)]
    assert find("julie", kind="account")["professionals"] == []


def test_a_published_address_links_an_account_without_rpps(app, lines, extraction, import_file, find):
    structure = Identity.create(kind="structure", display_name="Urgences du CHU", mssante_eligible=True)
    MailAddress.create(identity=structure, address="urgences@chu.mssante.fr")
    import_file(extraction([lines.org("urgences@chu.mssante.fr", "Urgences", "CHU DE LYON")]))  # syncs everyone

    found = find("urgences")["services"]
    assert [(e["id"], e["identity_id"], e["has_account"]) for e in found] == [
        ("bal:urgences@chu.mssante.fr", structure.id, True)]


def test_the_demo_accounts_are_in_the_directory(app, find, names):
    seed(app)
    seed(app)  # twice: still once each

    assert names(find("julie")) == ["Dr Julie BERNARD"]
    durand = find("durand")["professionals"][0]
    assert durand["has_account"] and len(durand["addresses"]) == 2
    assert names(find("coord", kind="account"), "services") == ["Coordination REPAP"]
    assert names(find("secr", kind="account")) == ["Isabelle ROUX"]
    assert find("secr", kind="mssante")["professionals"] == []  # no personal MSSanté address


def test_resyncing_everyone_changes_nothing_and_forgets_deleted_identities(app, find, names):
    make_account("alice", first="Alice", last="Martin")
    bob = make_account("bob", first="Bob", last="Martin")
    before = find("martin")

    sync_all_identities()
    assert find("martin") == before

    Account.delete().where(Account.id == bob.id).execute()
    Identity.delete().where(Identity.id == bob.identity_id).execute()
    sync_all_identities()
    assert names(find("martin")) == ["Alice MARTIN"]


def test_a_changed_account_is_found_by_its_new_words(app, find, names):
    alice = make_account("alice", first="Alice", last="Martin", profession="Infirmière")
    Account.update(last_name="Zimmermann", profession="Kinésithérapeute").where(Account.id == alice.id).execute()
    Identity.update(display_name="Alice ZIMMERMANN").where(Identity.id == alice.identity_id).execute()
    sync_identity(alice.identity_id)

    assert names(find("zimmer")) == names(find("kines")) == ["Alice ZIMMERMANN"]  # long prefixes: listed words
    assert find("martin")["professionals"] == [] and find("infirm")["professionals"] == []

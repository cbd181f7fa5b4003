"""A required checkbox of a channel's screen must be ticked (kernel/forms.py ``unticked``): said in French at the
field, in the channel's own words when it gives some (``options["unticked"]``), with every other error of the
screen at once: the schema's and the channel's own checks (tests/plugins/teleexpertise/test_request_screen.py)."""
from __future__ import annotations

from kernel.channel import FormField
from kernel.forms import UNTICKED, build_schema, unticked

FIELDS = [FormField("accord", "checkbox", "J'ai l'accord", required=True),
          FormField("consentement", "checkbox", "Consentement", required=True,
                    options={"unticked": "Recueillez le consentement."}),
          FormField("copie", "checkbox", "Une copie")]


def test_each_unticked_required_checkbox_is_said_in_the_channel_words():
    assert unticked(FIELDS, {"accord": False}) == {"accord": [UNTICKED],
                                                    "consentement": ["Recueillez le consentement."]}
    assert unticked(FIELDS, {"accord": "true", "consentement": True}) == {"accord": [UNTICKED]}  # not a tick
    assert unticked(FIELDS, {"accord": True, "consentement": True}) == {}
    assert unticked(FIELDS, None) == {"accord": [UNTICKED], "consentement": ["Recueillez le consentement."]}


def test_the_schema_takes_a_checkbox_as_given_so_the_other_checks_still_run():
    schema = build_schema("essai", FIELDS)
    assert schema.load({"accord": False, "consentement": True}) == {"accord": False, "consentement": True,
                                                                     "copie": False}

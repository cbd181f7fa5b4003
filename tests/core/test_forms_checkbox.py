"""A required checkbox of a channel's screen must be ticked (kernel/forms.py): said in French at the field, in the
channel's own words when it gives some (``options["unticked"]``), with the other fields' errors."""
from __future__ import annotations

import pytest
from marshmallow import ValidationError

from kernel.channel import FormField
from kernel.forms import UNTICKED, build_schema


def _schema(**options):
    return build_schema("essai", [FormField("accord", "checkbox", "J'ai l'accord", required=True, options=options),
                                  FormField("objet", "text", "Objet", required=True),
                                  FormField("copie", "checkbox", "Une copie")])


def test_an_unticked_required_checkbox_is_refused_with_the_other_errors():
    with pytest.raises(ValidationError) as refused:
        _schema().load({"accord": False, "objet": " "})
    assert refused.value.messages["accord"] == [UNTICKED] and refused.value.messages["objet"]


def test_the_channel_words_the_refusal():
    with pytest.raises(ValidationError) as refused:
        _schema(unticked="Recueillez le consentement.").load({"accord": False, "objet": "x"})
    assert refused.value.messages == {"accord": ["Recueillez le consentement."]}


def test_ticked_passes_and_an_optional_one_may_stay_unticked():
    assert _schema().load({"accord": True, "objet": "x"}) == {"accord": True, "objet": "x", "copie": False}

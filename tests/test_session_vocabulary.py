"""One vocabulary: the window, the command line and the pack name each choice the
same way, from resources/catalogue/vocabulary.toml; one number formatter."""

from __future__ import annotations

import pytest

from mesodesk.catalogue.vocabulary import (KINDS, VocabularyError, label, labels,
                                           load_vocabulary, number)
from mesodesk.resources import resource


def test_every_choice_has_a_word_in_every_language():
    vocabulary = load_vocabulary()
    for language, kinds in vocabulary.items():
        for kind, keys in KINDS.items():
            assert tuple(kinds[kind]) == tuple(keys), (language, kind)


def test_a_missing_word_is_refused_naming_the_file_and_key(tmp_path):
    text = resource("catalogue", "vocabulary.toml").read_text(encoding="utf-8")
    broken = tmp_path / "vocabulary.toml"
    broken.write_text(text.replace('very-rare = "Very rare"\n', ""), encoding="utf-8")
    with pytest.raises(VocabularyError, match=r"vocabulary.toml: en.frequencies.very-rare: "
                                              "missing"):
        load_vocabulary(broken)


@pytest.mark.parametrize("value, text", [(0.125, "0.125"), (2.0, "2"), (10, "10"),
                                         (0.25, "0.25"), (0.1 + 0.2, "0.3"), (-0.0, "0")])
def test_one_number_formatter(value, text):
    assert number(value) == text


def test_the_window_the_command_line_and_the_pack_use_the_same_words(
        qtbot, jane_data, catalogue, capsys, tmp_path):
    """'Not known' for an unknown answer everywhere (the window said 'Unknown')."""
    import copy
    import json

    from mesodesk.cli import main
    from mesodesk.domain import from_data
    from mesodesk.pack import build_pack
    from mesodesk.ui.pages import ANSWERS, PROFESSIONS

    assert dict(ANSWERS) == dict(labels("answers"))
    assert dict(PROFESSIONS) == dict(labels("professions"))
    data = copy.deepcopy(jane_data)
    data["screening"]["answers"] = {q: "no" for q in catalogue.screening}
    data["screening"]["answers"]["pregnant"] = "unknown"
    data["consent"]["overrides"] = [{"rule": "pregnancy-unconfirmed", "reason": "test today"}]
    pdf = build_pack(from_data(data), catalogue)
    from pypdf import PdfReader
    import io

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert label("answers", "unknown") in text
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    main(["check", str(path)])
    out = capsys.readouterr().out
    assert f"({label('resolutions', 'overridden')})" in out

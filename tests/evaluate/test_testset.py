from voxtune.evaluate.testset import load_testset, parse_testset

REQUIRED = {
    "numbers",
    "dates",
    "times",
    "money",
    "abbreviations",
    "questions",
    "lists",
    "long sentences",
    "minimal pairs",
}


def test_builtin_english_set_is_big_and_covers_the_categories() -> None:
    prompts = load_testset()
    assert len(prompts) >= 50
    assert {p.category for p in prompts} >= REQUIRED
    assert len({p.id for p in prompts}) == len(prompts)
    assert prompts[0].id == "en-001"
    assert all(p.text and not p.text.startswith("#") for p in prompts)
    assert any(len(p.text.split()) > 25 for p in prompts if p.category == "long sentences")
    assert all(p.text.endswith("?") for p in prompts if p.category == "questions")


def test_parse_format() -> None:
    source = "# a comment\n\nHello.\n## numbers\nPress 1.\n#another comment\n  Press 2.  \n"
    prompts = parse_testset(source, prefix="x")
    assert [(p.id, p.text, p.category) for p in prompts] == [
        ("x-001", "Hello.", "general"),
        ("x-002", "Press 1.", "numbers"),
        ("x-003", "Press 2.", "numbers"),
    ]

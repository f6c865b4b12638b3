import voxtune


def test_public_api_is_pinned() -> None:
    assert sorted(voxtune.__all__) == [
        "Scales",
        "Voice",
        "VoiceCheckpoint",
        "VoxtuneError",
        "import_voice",
        "installed_voices",
        "load_checkpoint",
        "load_voice",
        "save_checkpoint",
        "synthesize",
    ]
    for name in voxtune.__all__:
        assert hasattr(voxtune, name), name

import io
import struct
import wave

import numpy as np
import pytest
import soundfile

from voxtune.serve.encode import STREAMED, ForwardSink, encode, stream_encoder, streaming_wav_header

RATE = 22050


def tone(seconds: float, hz: float = 220.0) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def streamed(response_format: str, pieces: list[np.ndarray]) -> list[bytes]:
    encoder = stream_encoder(response_format, RATE)
    return [encoder.add(piece) for piece in pieces] + [encoder.finish()]


def test_pcm_stream_is_the_whole_pcm_in_pieces() -> None:
    pieces = [tone(0.5), tone(0.3, 330), tone(0.2, 440)]
    chunks = streamed("pcm", pieces)
    assert b"".join(chunks) == encode(np.concatenate(pieces), RATE, "pcm")[0]
    assert [len(c) for c in chunks] == [2 * len(p) for p in pieces] + [0]  # one chunk per sentence, no delay


def test_wav_stream_has_unknown_sizes_and_reads_to_the_end() -> None:
    pieces = [tone(0.5), tone(0.25, 330)]
    chunks = streamed("wav", pieces)
    data = b"".join(chunks)
    assert chunks[0].startswith(streaming_wav_header(RATE)) and len(streaming_wav_header(RATE)) == 44
    assert struct.unpack("<I", data[4:8])[0] == 0xFFFFFFFF and struct.unpack("<I", data[40:44])[0] == 0xFFFFFFFF
    audio, rate = soundfile.read(io.BytesIO(data), dtype="int16")
    with wave.open(io.BytesIO(data)) as reader:
        frames = reader.readframes(10**9)
    expected = np.frombuffer(encode(np.concatenate(pieces), RATE, "pcm")[0], dtype="<i2")
    assert rate == RATE and np.array_equal(audio, expected)
    assert frames == expected.tobytes()


@pytest.mark.parametrize(("response_format", "rate", "slack"), [("mp3", RATE, 2 * 1152), ("opus", 24000, 0)])
def test_codec_streams_decode_to_the_whole_length(response_format: str, rate: int, slack: int) -> None:
    pieces = [tone(0.6), tone(0.4, 330), tone(0.5, 440)]
    data = b"".join(streamed(response_format, pieces))
    audio, decoded_rate = soundfile.read(io.BytesIO(data))
    expected = round(sum(len(p) for p in pieces) * rate / RATE)
    # mp3 adds one silent header frame and the encoder's padding; a VBR stream would decode short instead
    assert decoded_rate == rate and expected <= len(audio) <= expected + slack
    assert np.sqrt(np.mean(audio**2)) > 0.1  # the tone, not silence


def test_flac_is_not_streamed() -> None:
    assert "flac" not in STREAMED
    with pytest.raises(ValueError, match="flac cannot be streamed"):
        stream_encoder("flac", RATE)


def test_forward_sink_drops_rewrites_of_bytes_already_taken() -> None:
    sink = ForwardSink()
    sink.write(b"HEADER")
    sink.write(b"abc")
    assert sink.take() == b"HEADERabc"  # offsets 0-8 are sent
    sink.write(b"def")
    sink.seek(0)
    sink.write(b"header")  # a codec patching its header when it closes: already sent, dropped
    sink.seek(7)
    sink.write(b"XYZ")  # offsets 7-8 were sent; "Z" lands on offset 9, still pending
    sink.seek(0, io.SEEK_END)
    sink.write(b"!")
    assert sink.tell() == 13
    assert sink.take() == b"Zef!"


def test_forward_sink_applies_rewrites_of_pending_bytes() -> None:
    sink = ForwardSink()
    sink.write(b"0123")
    assert sink.take() == b"0123"
    sink.write(b"456789")
    sink.seek(6)
    sink.write(b"xx")  # pending: offsets 4-9, so this patches "67"
    sink.seek(12)
    sink.write(b"z")  # past the end: a gap of zeros, as in a file
    assert sink.take() == b"45xx89\x00\x00z"

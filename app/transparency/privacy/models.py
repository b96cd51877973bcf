"""Lazily loaded models."""
import functools
import threading


def content_dir():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config["CONTENT_DIR"]
    from config import Config

    return Config.CONTENT_DIR


_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def converter():
    import opencc

    return opencc.OpenCC("t2s")


def tagger():
    """jieba's part-of-speech tagger with the portal's domain words, loaded once per process."""
    with _lock:
        return _load_tagger()


@functools.lru_cache(maxsize=1)
def _load_tagger():
    import jieba.posseg
    from app.kb.analysis import prepare_jieba

    prepare_jieba(content_dir(), _jieba_cache_dir())
    return jieba.posseg.dt


def _jieba_cache_dir():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config["DATA_DIR"] / "jieba-cache"
    import tempfile
    from pathlib import Path

    return Path(tempfile.gettempdir()) / "kameng-jieba-cache"

"""The hand-worked figures of the ASR-beyond-English tasks on their fixtures (make_fixtures ``CV15_SENTENCES``,
``WENETSPEECH_TEXTS``, ``MLS_ENG_ROWS``, ``FLEURS_ASR_SENTENCES``, ``AISHELL1_ANSWERS`` and the FLEURS rows other tests
write), decided here once: tests/catalog/test_catalog_runs.py runs each task against them, test_asr_beyond_english.py
the fleurs_asr_19 suite."""

from __future__ import annotations

from make_fixtures import FLEURS_ASR_SENTENCES, FLEURS_ST_SENTENCES

CODES = {"ar_eg": "ar", "nl_nl": "nl", "id_id": "id", "ko_kr": "ko", "ms_my": "ms", "ru_ru": "ru", "th_th": "th", "tr_tr": "tr",
         "ur_pk": "ur", "vi_vn": "vi", "de_de": "de", "es_419": "es", "fr_fr": "fr", "it_it": "it", "ja_jp": "ja", "pt_br": "pt"}
"""google/fleurs config -> the fleurs_asr task's language."""
BY_CHARACTER = {"ja", "th"}


def _fleurs_expected(config: str, first: str, second: str) -> tuple[str, dict[str, float], dict[str, dict[str, float]]]:
    """The constant ``first`` against ``first`` (a woman's and a man's reading) and ``second`` (a man's): ``second`` costs
    ``n`` edits, n the constant's length (words, or characters in ja and th), over 2n + its own length."""
    chars = CODES[config] in BY_CHARACTER
    n, m = (len(first), len(second)) if chars else (len(first.split()), len(second.split()))
    return first, {"wer": n / (2 * n + m)}, {"gender": {"female": 0.0, "male": n / (n + m)}}


ASR_BEYOND_ENGLISH: dict[str, tuple[str, dict[str, float], dict[str, dict[str, float]]]] = {
    # "hello mister smith" against "Hello, Mr. Smith!" (0 edits) and "The colour is 25." = "the color is 25" (4 edits).
    "common_voice_15_en": ("hello mister smith", {"wer": 4 / 7}, {}),
    # 两 against cn_tn's 二 for "2个" (1 edit of 6 characters), then 6 substitutions against 今天天气很好.
    "common_voice_15_zh": ("我有两个苹果", {"wer": 7 / 12}, {}),
    # 銀 is 银 after zhconv (0 edits of 6), then 好 against six characters (1 substitution, 5 insertions).
    "common_voice_15_yue": ("我哋去咗银行", {"wer": 6 / 7}, {}),
    # "bonjour ça va" against "Bonjour, ça va ?" (0) and "Très bien !" (2 substitutions, 1 insertion).
    "common_voice_15_fr": ("bonjour ça va", {"wer": 3 / 5}, {}),
    # 25 is 二十五 (0 edits of 8 characters); 好 against 8 characters: 8 edits.
    "wenetspeech_test_net": ("今天有二十五个人", {"wer": 8 / 9}, {}),
    # the date is spelled out (0 edits of 14); 嗯 against 14 characters: 14 edits.
    "wenetspeech_test_meeting": ("会议在二零二零年三月五日举行", {"wer": 14 / 15}, {}),
    # the word spaces go: 而对楼市成交抑制作用最大的限购 (15 characters) matches the first; against 也成为地方政府的眼中钉 (11)
    # the best alignment keeps 成 and 的 and costs 14 edits (8 substitutions, 1 deletion, 5 insertions).
    "aishell1_test": ("而对楼市成交抑制作用最大的限购", {"wer": 14 / 26}, {}),
    # "the cat sat" against "the cat sat on the mat" (3 deletions) and "a dog ran" (3 substitutions).
    "mls_en": ("The cat sat.", {"wer": 6 / 9}, {}),
    # lmms-lab-audio/fleurs en_us: "the cat sat" (a woman, 2 edits) and "the dog" (a man, 1 edit).
    "fleurs_asr_en": ("The.", {"wer": 3 / 5}, {"gender": {"female": 2 / 3, "male": 1 / 2}}),
    # cmn_hans_cn and yue_hant_hk: three readings of 猫坐着; punctuation goes, 着 is one deletion each time.
    **{f"fleurs_asr_{c}": ("猫，坐。", {"wer": 1 / 3}, {"gender": {"female": 1 / 3, "male": 1 / 3}}) for c in ("zh", "yue")},
    **{f"fleurs_asr_{CODES[c]}": _fleurs_expected(c, first, second) for c, (first, second) in FLEURS_ASR_SENTENCES.items()},
    **{f"fleurs_asr_{CODES[c]}": _fleurs_expected(c, first.lower(), second.lower())
       for c, (first, second) in FLEURS_ST_SENTENCES.items() if c in CODES},
}

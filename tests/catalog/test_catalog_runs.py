"""Every catalogue task, end to end on its fixture mirror with a constant baseline, against hand-computed scores."""

from __future__ import annotations

import json

import pytest
from asr_expected import ASR_BEYOND_ENGLISH
from helpers import run_tasks
from make_fixtures import CAPTION, MVBENCH_FOLDERS, VOICEBENCH_MMSU

from evals.results import iter_samples
from evals.spec.catalog import load_suite, load_task, suite_names, task_names
from evals.scoring.registry import scorer_names

QUICKSTART = {"easyvqa", "easyvqa_caption", "harvard_asr"}
CAPTION_TASKS = ["coco2017_cap_val", "coco_karpathy_test", "nocaps_val", "flickr30k_test", "textcaps_val", "clotho_caption", "audiocaps_test"]
WER_5_6 = {"wer": 5 / 6}  # "the" against "the cat sat" / "a dog ran": 2 + 3 edits over 6 words
# The Open ASR Leaderboard's 2026 English sets, "the" against make_fixtures.OPEN_ASR_SETS after its normaliser:
OPEN_ASR_WER = {
    "open_asr_ami": 5 / 6,  # "the cat sat" 2 + "a dog ran" 3; the ignore-segment row is not scored
    # Earnings22-Cleaned-AA-chunked: each call's chunk predictions joined ("the the the", "the the") and scored against
    # the call: "the cat sat on the mat" 4 (two "the" match, one substitution, three deletions) + "a dog ran" 3 (two
    # substitutions, one deletion), over 6 + 3 words: 7 / 9.
    "open_asr_earnings22": 7 / 9,
    "open_asr_gigaspeech": 2 / 5,  # "t he" is "the" split: 0 errors
    "open_asr_librispeech_clean": 3 / 5,  # "the cat sat" 2 + "the dog" 1
    "open_asr_librispeech_other": 5 / 7,  # 2 + 3 + "the" 0
    "open_asr_spgispeech": 1 / 3,  # "the" 0 + "the cat" 1
    "open_asr_voxpopuli": 4 / 5,  # "ah" is a filler: "the cat" 1 + "a dog ran" 3
}
OPEN_ASR_THREE = {"fleurs_de": "drei", "fleurs_fr": "trois", "fleurs_it": "tre", "fleurs_es": "tres", "fleurs_pt": "três",
                  "mcv_de": "drei", "mcv_fr": "trois", "mcv_it": "tre", "mcv_es": "tres",
                  "mls_fr": "trois", "mls_it": "tre", "mls_es": "tres", "mls_pt": "três"}
"""num2words(3, lang=...) for each multilingual set's language."""


def chrf(p: list[float], r: list[float]) -> float:
    """sacreBLEU's chrF (beta 2, its default effective-order averaging): 100 * 5 P R / (4 P + R), P and R the mean
    character n-gram precision and recall over n = 1..6, each from corpus totals (whitespace removed)."""
    pm, rm = sum(p) / len(p), sum(r) / len(r)
    return 100 * 5 * pm * rm / (4 * pm + rm)


# Speech translation: the constant is two clips' translation; the third clip's is one short word sharing no character
# with it ("buy", German "job", Chinese 狗, Japanese 犬). BLEU: every n-gram precision is 2/3 (the constant's n-grams,
# 3 times, match twice; 13a, zh and ja-mecab all give the constants at least four tokens), hypotheses are longer than the
# references (brevity penalty 1): BLEU = 100 * 2/3. chrF: c = L - n + 1 character n-grams of the constant (L characters),
# r of the short word (3 - n + 1 for "buy"/"job", 1 - n + 1 for one character); recall 2c / (2c + r); precision 2/3, but
# 1 at the orders the short word has no n-grams: sacreBLEU counts no hypothesis n-grams of an order its reference lacks.
def _st_chrf(length: int, other: int) -> float:
    c = [length - n + 1 for n in range(1, 7)]
    r = [max(other - n + 1, 0) for n in range(1, 7)]
    return chrf([2 / 3 if ri else 1.0 for ri in r], [2 * ci / (2 * ci + ri) for ci, ri in zip(c, r)])


ST_BLEU = 100 * 2 / 3
# FLEURS into English: the constant "The cat sat." against en_us "The cat sat." (twice: two recordings of id 1900) and
# "The dog." (id 1901). 13a tokens "The cat sat ." / "The dog .": n-gram matches 10/12, 6/9, 4/6, 2/3, lengths 12 > 11:
# BLEU = 100 * (10/12 * 6/9 * 4/6 * 2/3) ** (1/4). chrF, characters without spaces "Thecatsat." (10) against "Thedog." (7):
# the third pair matches T h e . / Th he / The, so totals: hyp 30 27 24 21 18 15, ref 27 24 21 18 15 12, match 24 20 17 14 12 10.
FLEURS_ST = ("The cat sat.", {"bleu": 100 * (10 / 12 * 6 / 9 * 4 / 6 * 2 / 3) ** 0.25,
                              "chrf": chrf([24 / 30, 20 / 27, 17 / 24, 14 / 21, 12 / 18, 10 / 15], [24 / 27, 20 / 24, 17 / 21, 14 / 18, 12 / 15, 10 / 12])},
             # female: one identical pair (100); male: the other identical pair and "The dog.": 6/8, 3/6, 2/4, 1/2
             {"gender": {"female": 100.0, "male": 100 * (6 / 8 * 3 / 6 * 2 / 4 * 1 / 2) ** 0.25}})

# task: (constant answer, {metric: value}, {subgroup field: {group: primary metric value}})
EXPECTED: dict[str, tuple[str, dict[str, float], dict[str, dict[str, float]]]] = {
    # (1 + 0 + 0.6 + 0) / 4: two "yes" among ten answers score (8 * 2/3 + 2 * 1/3) / 10 = 0.6
    "vqav2_val": ("yes", {"vqa_accuracy": 0.4}, {"answer_type": {"yes/no": 0.5, "number": 0.6, "other": 0.0}}),
    # three "stop" of ten: (3 * 2/3 + 7 * 1) / 10 = 0.9
    "textvqa_val": ("stop", {"vqa_accuracy": 1.9 / 3}, {"image_classes": {"Traffic sign": 0.95, "Building, Door": 0.0}}),
    "vizwiz_vqa_val": ("unanswerable", {"vqa_accuracy": 0.5}, {"category": {"unanswerable": 1.0, "other": 0.0}}),
    "ok_vqa_val2014": ("dog", {"vqa_accuracy": 2 / 3}, {"question_type": {"one": 1.0, "two": 0.5}}),
    "gqa_testdev": ("yes", {"exact_match": 2 / 3}, {"types.structural": {"verify": 0.5, "query": 1.0}}),
    # ANLS: "12" vs "120" is 1 - 1/3
    "docvqa_val": ("12", {"anls": (1 + 2 / 3) / 3}, {"question_types": {"layout": 1.0, "table/list": 2 / 3, "layout, form": 0.0}}),
    "infovqa_val": ("12", {"anls": 0.5}, {"answer_type": {"single span": 1.0, "question span": 0.0}}),
    # 12 vs 12.5 is a 4% change: right; vs 15: wrong
    "chartqa_test": ("12", {"relaxed_accuracy": 2 / 3}, {"type": {"human_test": 0.5, "augmented_test": 1.0}}),
    "scienceqa_img": ("A", {"accuracy": 2 / 3}, {"subject": {"natural science": 1.0, "social science": 0.0}}),
    "mmmu_val": ("A", {"accuracy": 1 / 3, "open_fraction": 1 / 3}, {"subject": {"Art_Theory": 1.0, "Math": 0.0}}),
    "pope_adversarial": ("yes", {"accuracy": 0.75, "precision": 0.75, "recall": 1.0, "f1": 6 / 7, "yes_ratio": 1.0}, {}),
    "pope_popular": ("yes", {"accuracy": 0.75, "yes_ratio": 1.0}, {}),
    "pope_random": ("yes", {"accuracy": 0.75, "yes_ratio": 1.0}, {}),
    # existence 100*(0.5+0) + count 100*(1+1) = 250; code_reasoning 100*(0.5+0) = 50
    "mme": ("Yes", {"perception": 250.0, "cognition": 50.0, "total": 300.0, "accuracy": 4 / 6, "acc_plus": 1 / 3,
                    "count.acc_plus": 1.0, "existence.acc": 0.5}, {"category": {"count": 200.0, "existence": 50.0}}),
    "ai2d": ("A", {"accuracy": 0.5}, {}),
    # Circular: a constant letter cannot be right in every rotation of a question's options.
    "ai2d_circular": ("A", {"accuracy": 0.0}, {}),
    "scienceqa_img_circular": ("A", {"accuracy": 0.0}, {"subject": {"natural science": 0.0, "social science": 0.0}}),
    "mmmu_val_circular": ("A", {"accuracy": 0.0, "open_fraction": 1 / 3}, {"subject": {"Art_Theory": 0.0, "Math": 0.0}}),
    "mmstar": ("B", {"accuracy": 3 / 4, "unparsed_rate": 0.0}, {"category": {"coarse perception": 0.5, "math": 1.0}}),
    "realworldqa": ("b.", {"exact_match": 1 / 3}, {}),
    # Every MVBench sub-task: answers A and C; "A" is right once.
    **{f"mvbench_{sub}": ("A", {"accuracy": 0.5, "unparsed_rate": 0.0}, {}) for sub in MVBENCH_FOLDERS},
    # Answers C, A, B: the constant "C" is right on the first question only.
    "nextqa_mc_test": ("C", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {"type": {"CW": 1.0, "TN": 0.0, "DC": 0.0}}),
    # B is right on 2 of 3 questions: topic 1 (B, E) 0.5, topic 2 (B) 1.0; their mean 0.75.
    "sonic_o1_mcq": ('{"answer_letter": "B", "answer_index": 1}', {"accuracy": 2 / 3, "accuracy_topic_macro": 0.75, "unparsed_rate": 0.0},
                     {"topic": {"01_Patient-Doctor_Consultations": 0.5, "02_Job_Interviews": 1.0}, "gender[*]": {"Male": 0.5, "Female": 1.0}}),
    # [3, 5] against [3, 5] (IoU 1), [4, 6] (1/3) and [2.5, 3.5] (0.5 / 2.5 = 0.2).
    "sonic_o1_temporal": ('{"start_s": 3.0, "end_s": 5.0, "confidence": 0.5}',
                          {"r@0.5": 1 / 3, "r@0.3": 2 / 3, "r@0.7": 1 / 3, "mean_iou": (1 + 1 / 3 + 0.2) / 3, "start_mae_s": (0 + 1 + 0.5) / 3,
                           "end_mae_s": (0 + 1 + 1.5) / 3, "r@0.5_topic_macro": 0.25, "unparsed_rate": 0.0},
                          {"relation": {"after": 1.0, "before": 0.0, "during": 0.0}}),
    # Two videos, three questions each: "C" is right on 1 of the short video's and none of the medium one's.
    "videomme": ("The best answer is C.", {"accuracy": 1 / 6, "unparsed_rate": 0.0}, {"duration": {"short": 1 / 3, "medium": 0.0}}),
    "videomme_w_subtitle": ("The best answer is C.", {"accuracy": 1 / 6, "unparsed_rate": 0.0}, {"duration": {"short": 1 / 3, "medium": 0.0}}),
    # "14" is right only as the integer answer; as a float it is 14.0; the multiple-choice one goes to the nearest option
    # (all at edit distance 3: the first, wrong). A problem counts in each of its skills.
    "mathvista_testmini": ('The answer is "14".', {"accuracy": 1 / 5, "unparsed_rate": 0.0},
                           {"metadata.task": {"math word problem": 0.5, "figure question answering": 0.0},
                            "metadata.skills[*]": {"arithmetic reasoning": 1 / 3, "statistical reasoning": 0.0, "geometry reasoning": 0.0},
                            "question_type": {"multi_choice": 0.0, "free_form": 0.25}}),
    # "No" is right on 3 of 6 questions, on 1 of 4 figures (both its questions), on 1 of 3 questions across figures.
    "hallusionbench_image": ("No", {"aAcc": 0.5, "fAcc": 0.25, "qAcc": 1 / 3, "overall": (0.5 + 0.25 + 1 / 3) / 3, "unclear_rate": 0.0},
                             {"category": {"VD": (0.75 + 0.5 + 0.5) / 3, "VS": 0.0}}),
    # Circular copies in the data (fields.group): a constant letter is wrong in some copy of every question.
    "mmbench_en_dev": ("B", {"accuracy": 0.0, "unparsed_rate": 0.0}, {"category": {"attribute_recognition": 0.0, "image_scene": 0.0}}),
    "mmbench_en_dev_v11": ("A", {"accuracy": 0.0, "unparsed_rate": 0.0}, {"category": {"attribute_recognition": 0.0, "image_scene": 0.0, "ocr": 0.0}}),
    "mmbench_cn_dev_v11": ("A", {"accuracy": 0.0, "unparsed_rate": 0.0}, {"category": {"attribute_recognition": 0.0, "image_scene": 0.0, "ocr": 0.0}}),
    "mmmu_pro_standard": ("Answer: C", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {"subject": {"Art_Theory": 0.0, "Math": 1.0, "Physics": 0.0}}),
    "mmmu_pro_vision": ("Answer: C", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {"subject": {"Math": 1.0, "Physics": 0.0, "History": 0.0}}),
    # [0.0, 0.25, 0.5, 0.75] (0-1 of the image) hits object 104 exactly (3 expressions), misses 105 (1), overlaps 231 at IoU 0.2 (2)
    **{task: ("[0.0, 0.25, 0.5, 0.75]", {"acc@0.5": 0.5, "miou": 3.4 / 6, "unparsed_rate": 0.0}, {}) for task in (
        "refcoco_val", "refcoco_testA", "refcoco_testB", "refcoco_plus_val", "refcoco_plus_testA", "refcoco_plus_testB",
        "refcocog_val", "refcocog_test")},
    **{f"blink_{s}": ("(A)", {"accuracy": 0.5, "unparsed_rate": 0.0}, {}) for s in (
        "art_style", "counting", "forensic_detection", "functional_correspondence", "iq_test", "jigsaw", "multi_view_reasoning",
        "object_localization", "relative_depth", "relative_reflectance", "semantic_correspondence", "spatial_relation",
        "visual_correspondence", "visual_similarity")},
    "muirbench": ("A", {"accuracy": 0.5, "unparsed_rate": 0.0},
                  {"task": {"Counting": 1.0, "Visual Retrieval": 0.0, "Ordering": 1.0},
                   "image_relation": {"Complementary": 1.0, "Multiview": 0.0, "Temporal": 1.0},
                   "image_type": {"Photography": 1.0, "Satellite": 0.0}}),
    # \boxed{0.5} reads \frac{1}{2} (the official 0.5 rewrite): equal to "$\frac{1}{2}$" as a number, right only there.
    "mathvision_test": ("\\boxed{0.5}", {"accuracy": 1 / 4, "unparsed_rate": 0.0},
                        {"subject": {"logic": 0.0, "arithmetic": 0.0, "metric geometry - area": 1.0}, "level": {"1": 0.0, "2": 0.0, "3": 0.0, "4": 1.0}}),
    "mathvision_testmini": ("\\boxed{0.5}", {"accuracy": 1 / 3, "unparsed_rate": 0.0},
                            {"subject": {"logic": 0.0, "metric geometry - area": 1.0, "metric geometry - length": 0.0}, "level": {"3": 0.0, "4": 1.0, "5": 0.0}}),
    # "B" answers the multiple-choice problem in each of its five versions; the free-form one wants 14.
    "mathverse_testmini": ("B", {"accuracy": 0.5, "unparsed_rate": 0.0},
                           {"problem_version": {v: 0.5 for v in ("Text Dominant", "Text Lite", "Vision Intensive", "Vision Dominant", "Vision Only")},
                            "metadata.subject": {"Plane Geometry": 1.0, "Solid Geometry": 0.0}, "metadata.subfield": {"Angle": 1.0, "Length": 0.0}}),
    "mathverse_testmini_vision_only": ("B", {"accuracy": 0.5, "unparsed_rate": 0.0},
                                       {"metadata.subject": {"Plane Geometry": 1.0, "Solid Geometry": 0.0}, "metadata.subfield": {"Angle": 1.0, "Length": 0.0}}),
    "mathverse_testmini_vision_dominant": ("B", {"accuracy": 0.5, "unparsed_rate": 0.0},
                                           {"metadata.subject": {"Plane Geometry": 1.0, "Solid Geometry": 0.0}, "metadata.subfield": {"Angle": 1.0, "Length": 0.0}}),
    "cv_bench": ("(A)", {"accuracy": 0.625, "accuracy_2d": 0.75, "accuracy_3d": 0.5, "sample_accuracy": 4 / 6, "unparsed_rate": 0.0},
                 {"type": {"2D": 0.75, "3D": 0.5}, "source": {"ADE20K": 0.5, "COCO": 1.0, "Omni3D": 0.5}}),
    **{n: ("A", {"accuracy": 1 / 3, "unparsed_rate": 0.0},
           {"category": {"single": 0.25, "cross": 0.5}, "cycle_category": {"cycle1": 2 / 3, "cycle2": 0.0}}) for n in ("hrbench_4k", "hrbench_8k")},
    "vstar_bench": ("(A)", {"accuracy": 0.5, "unparsed_rate": 0.0}, {"category": {"direct_attributes": 0.5, "relative_position": 0.5}}),
    "countbench": ("10", {"accuracy": 0.5}, {}),
    **{t: ("The best answer is: A", {"accuracy": 0.5, "unparsed_rate": 0.0},
           {"mme_task": {"Perception": 2 / 3, "Reasoning": 0.0},
            "mme_subtask": {"Perception/Autonomous_Driving": 1.0, "Perception/Monitoring": 0.0, "Perception/Diagram and Table": 1.0,
                            "Reasoning/Autonomous_Driving": 0.0},
            "mme_category": {"Perception/Autonomous_Driving/object_identify/attribute": 1.0, "Perception/Monitoring/counting": 0.0,
                             "Perception/Diagram and Table/diagram": 1.0, "Reasoning/Autonomous_Driving/intention_ego": 0.0}})
       for t in ("mme_realworld_en", "mme_realworld_cn", "mme_realworld_lite")},
    "mmsi_bench": ("``A``", {"accuracy": 1 / 3, "unparsed_rate": 0.0},
                   {"question_type": {"Positional Relationship (Cam.\u2013Obj.)": 1.0, "Motion (Cam.)": 0.0, "MSR": 0.0}}),
    "vlmsareblind": ("{2}", {"accuracy": 1 / 6, "unparsed_rate": 4 / 6},
                     {"task_group": {"line plot intersections": 1.0, "touching circles": 0.0, "circled letter": 0.0,
                                     "counting grid": 0.0, "subway connections": 0.0}}),
    "mmt_bench_val": ("A", {"accuracy": 1 / 3, "unparsed_rate": 0.0},
                      {"category": {"color_recognition": 1.0, "celebrity_recognition": 0.0, "counting_by_category": 0.5, "spot_the_diff": 0.0},
                       "l2-category": {"visual_recognition": 1 / 3, "counting": 0.5, "multiple_image_analysis": 0.0}}),
    "mantis_eval": ("A", {"accuracy": 0.25, "unparsed_rate": 0.0},
                    {"question_type": {"multi-choice": 1 / 3, "short-answer": 0.0}, "category": {"Counting": 0.5, "Difference": 0.0, "Temporal": 0.0}}),
    "dynamath": ('{"solution": "It is B.", "short answer": "B"}', {"accuracy": 21 / 40, "unparsed_rate": 10 / 40},
                 {"subject": {"analytic geometry": 0.0, "statistics": 0.6, "algebra": 0.9}, "knowledge_level": {"high school": 0.45, "elementary school": 0.6}}),
    "dynamath_worst_case": ('{"solution": "It is B.", "short answer": "B"}', {"accuracy": 0.25, "unparsed_rate": 0.25},
                            {"subject": {"analytic geometry": 0.0, "statistics": 0.5, "algebra": 0.0}, "knowledge_level": {"high school": 0.0, "elementary school": 0.5}}),
    "logicvista": ("D and B", {"accuracy": 0.2, "unparsed_rate": 0.0}, {"skill": {"inductive": 0.0, "spatial": 1.0, "deductive": 0.0, "numerical": 0.0}}),
    "wemath_testmini": ("B", {"accuracy": 9 / 14, "unparsed_rate": 0.0},
                        {"key": {"2steps_1": 0.5, "2steps_2": 1.0, "2steps_multi": 0.5, "3steps_1": 0.5, "3steps_2": 0.5, "3steps_3": 0.5, "3steps_multi": 1.0},
                         "knowledge concept": {"Area of Circles": 6 / 7, "Area of Squares": 2 / 3, "Perimeter of Squares": 0.25}}),
    "wemath_testmini_strict": ("B", {"score": 0.375, "unparsed_rate": 0.0}, {}),
    "wemath_testmini_loose": ("B", {"score": 0.625, "unparsed_rate": 0.0}, {}),
    "zerobench": ("{11.90}", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {}),
    "zerobench_subquestions": ("{11.90}", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {}),
    # the object question has A as its answer in every copy: a constant A is right on that question alone
    "crpe_relation": ("A", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {"category": {"subject": 0.0, "predicate": 0.0, "object": 1.0}}),
    "crpe_exist": ("A", {"accuracy": 0.0, "unparsed_rate": 0.0}, {"category": {"exist": 0.0}}),
    # 12.5 -> 1, b -> 0, the last turn 12 -> 1, True -> 0, [12, 15] -> 0.5, 2012 with Year YES -> 0
    "chartqapro": ("12", {"relaxed_accuracy": 2.5 / 6}, {"question_type": {"Factoid": 0.5, "Multi Choice": 0.0, "Conversational": 1.0,
                                                                          "Fact Checking": 0.0, "Hypothetical": 0.5}}),
    "ocrbench": ("hello world", {"accuracy": 2 / 3, "score": 2.0}, {"dataset": {"IIIT5K": 0.5, "HME100k": 1.0}}),
    "visulogic": ("A", {"accuracy": 1 / 3}, {"tag": {"Quantitative Reasoning": 1.0, "Spatial Reasoning": 0.0}}),
    "visulogic_cot": ("Three shapes, then a fourth. Answer: \\boxed{\\text{A}}", {"accuracy": 1 / 3, "unparsed_rate": 0.0},
                      {"tag": {"Quantitative Reasoning": 1.0, "Spatial Reasoning": 0.0}}),
    # The man's "the cat sat" (2 of 3 words wrong), the woman's "a dog ran" (3 of 3): joined on speaker_id.
    "librispeech_test_clean": ("the", WER_5_6, {"speaker_sex": {"male": 2 / 3, "female": 1.0}}),
    "librispeech_test_other": ("the", WER_5_6, {"speaker_sex": {"male": 2 / 3, "female": 1.0}}),
    **{f"open_asr_esb_{k}": ("the", WER_5_6, {}) for k in ("ami", "common_voice", "earnings22", "gigaspeech", "librispeech_clean",
                                                            "librispeech_other", "spgispeech", "tedlium", "voxpopuli")},
    **{name: ("the", {"wer": wer}, {}) for name, wer in OPEN_ASR_WER.items()},
    # "a <3 in the language> haustür" against "A 3." (one insertion) and "haus tür" (two insertions; "haus tür" matches
    # "haustür" at no cost): 3 errors over 4 words, in every language.
    **{f"open_asr_{config}": (f"a {word} haustür", {"wer": 3 / 4}, {}) for config, word in OPEN_ASR_THREE.items()},
    # "good morning" against "good morning ladies and gentlemen" (3 deletions) and "thank you okay" (2 substitutions,
    # 1 deletion): 6 errors over 8 words.
    **{f"open_asr_longform_{k}": ("good morning", {"wer": 6 / 8}, {}) for k in ("earnings21", "earnings22")},
    # TED-LIUM: "good morning everyone" (1 deletion) and "thank you" (2 substitutions): 3 errors over 5 words.
    "open_asr_longform_tedlium": ("good morning", {"wer": 3 / 5}, {}),
    "fleurs_en": ("the", {"wer": 3 / 5}, {"gender": {"female": 2 / 3, "male": 0.5}}),
    **{f"covost2_{d}_en": ("the cat sat on the mat", {"bleu": ST_BLEU, "chrf": _st_chrf(17, 3)}, {}) for d in ("fr", "de", "es", "zh")},
    "covost2_en_de": ("die Katze sitzt auf der Matte", {"bleu": ST_BLEU, "chrf": _st_chrf(24, 3)}, {}),
    "covost2_en_zh": ("猫坐在垫子上", {"bleu": ST_BLEU, "chrf": _st_chrf(6, 1)}, {}),
    "covost2_en_ja": ("猫がマットに座った", {"bleu": ST_BLEU, "chrf": _st_chrf(9, 1)}, {}),
    "fleurs_st_cmn_en": FLEURS_ST,
    "fleurs_st_yue_en": FLEURS_ST,
    "clotho_aqa_test": ("yes", {"exact_match": 2 / 3}, {}),
    "esc50": ("dog", {"exact_match": 2 / 3}, {"fold": {"1": 1.0, "2": 0.0}, "esc10": {"True": 2 / 3}}),
    "vocalsound_test": ("laughter", {"exact_match": 2 / 3}, {"gender": {"female": 1.0, "male": 0.5}}),
    **{f"air_bench_foundation_{d}": ("A", {"accuracy": 2 / 3}, {"task_name": {f"{d}_a": 0.5, f"{d}_b": 1.0}}) for d in ("sound", "music", "speech")},
    # MMAU's string_match: "Man" has every word of answers "Man" and "man" and no word of a wrong option; "A woman",
    # "Man singing", "Old man river" lack words; "Woman" is wrong, and there the prediction names option "Man" (read, not
    # unparsed). Unparsed: the three that name no option.
    "mmau_test_mini": ("Man", {"accuracy": 2 / 6, "unparsed_rate": 3 / 6},
                       {"task": {"sound": 0.5, "music": 0.0, "speech": 0.5}, "difficulty": {"easy": 0.5, "medium": 0.5, "hard": 0.0}}),
    # VoiceBench's template "the answer is [CHOICE]" reads B; the references are B, A, B.
    **{f"voicebench_{s}": ("The answer is B.", {"accuracy": 2 / 3, "unparsed_rate": 0.0}, {})
       for s in ["openbookqa", *(f"mmsu_{d}" for d in VOICEBENCH_MMSU)]},
    # "Angry." is the other word form of anger (file names 1001_DFA_ANG_XX, 1002_DFA_ANG_LO); happy, sad, neutral are wrong.
    "crema_d": ("Angry.", {"exact_match": 2 / 5},
                {"gender": {"male": 0.5, "female": 1 / 3}, "emotion": {"anger": 1.0, "happy": 0.0, "sad": 0.0, "neutral": 0.0},
                 "level": {"unspecified": 0.5, "low": 1.0, "high": 0.0, "medium": 0.0}}),
    # CC-OCR (tests/catalog/test_cc_ocr.py works these through): each track the mean over its subsets of the official
    # per-subset figure, for a KIE-shaped JSON answer.
    "cc_ocr_multi_scene_ocr": ('{"company": "hello"}', {"score": (1 / 4 + 0 + 1) / 3, "micro_f1": (2 / 7 + 0 + 1) / 3},
                               {"split": {"IC15": 1 / 4, "zh_scene": 0.0, "CORD": 1.0}}),
    "cc_ocr_multi_lan_ocr": ('{"company": "hello"}', {"score": 2 / 13 / 3, "micro_f1": 2 / 13 / 3},
                             {"split": {"French": 0.0, "Japanese": 0.0, "Arabic": 2 / 13}}),
    "cc_ocr_doc_parsing": ('{"company": "hello"}', {"score": ((1 - 7 / 19) + 0 + (1 - 12 / 19) + 0) / 4},
                           {"split": {"doc_scan_eng": 1 - 7 / 19, "table_scan_eng": 0.0, "formula_handwriting": 1 - 12 / 19,
                                      "molecular_handwriting": 0.0}}),
    "cc_ocr_kie": ('{"company": "hello"}', {"score": (1 / (2 + 1e-6) + 0 + 1 / (1 + 1e-6)) / 3,
                                            "acc": (1 / 2 + 5 / 8 + 1) / (3 * (1 + 1e-6)), "unparsed_rate": 0.0},
                   {"split": {"sroie2019_word": 1 / (2 + 1e-6), "CORD": 0.0, "POIE": 1 / (1 + 1e-6)}}),
    # MMT-Bench's multi-image val (VLMEvalKit MMT-Bench_VAL_MI): the images of a list cell first, then the question.
    "mmt_bench_val_mi": ("A", {"accuracy": 1 / 3, "unparsed_rate": 0.0},
                         {"category": {"color_recognition": 1.0, "celebrity_recognition": 0.0, "counting_by_category": 0.5, "spot_the_diff": 0.0},
                          "l2-category": {"visual_recognition": 1 / 3, "counting": 0.5, "multiple_image_analysis": 0.0}}),
    # OCRBench v2 (tests/catalog/test_ocrbench_v2.py works these through): the official get_score.py figures, English and
    # Chinese the means of their non-empty categories, overall their mean.
    "ocrbench_v2": ("hello", {"overall": (1.25 / 7 + 2 / 3) / 2, "english": 1.25 / 7, "chinese": 2 / 3},
                    {"type": {"text recognition en": 1.0, "science QA en": 0.0, "text counting en": 0.0,
                              "key information extraction en": 0.0, "text grounding en": 0.0, "VQA with position en": 0.0,
                              "table parsing en": 0.0, "document parsing en": 0.75, "chart parsing en": 0.0,
                              "cognition VQA cn": 1.0, "key information extraction cn": 0.0, "formula recognition cn": 1.0,
                              "text spotting en": 0.0}}),
    # --- #29: video, speech, audio and audio-visual ---------------------------------------------------------------------
    # Long video (tests/catalog/test_long_video.py): MLVU's M-Avg is the mean over its fixed list of task types (7 on dev,
    # 9 on test; an absent type counts 0), so a type's subgroup value is its accuracy over that count.
    "mlvu_dev": ("B", {"m_avg": 1.5 / 7, "accuracy": 0.5, "unparsed_rate": 0.0},
                 {"task_type": {"plotQA": 1 / 7, "count": 0.0, "needle": 0.5 / 7}}),
    "mlvu_test": ("B", {"m_avg": 2 / 9, "accuracy": 2 / 3, "unparsed_rate": 0.0},
                  {"task_type": {"plotQA": 1 / 9, "sportsQA": 0.0, "tutorialQA": 1 / 9}}),
    "lvbench": ("B", {"accuracy": 1 / 3, "unparsed_rate": 0.0},
                {"question_type[*]": {"key information retrieval": 1.0, "reasoning": 0.0, "event understanding": 0.0,
                                      "temporal grounding": 0.0}}),
    "longvideobench_val_v": ("B", {"accuracy": 0.5, "unparsed_rate": 0.0},
                             {"duration_group": {"180": 0.5, "3600": 0.5}, "question_category": {"S2E": 0.0, "TOS": 1.0, "E2O": 1.0}}),
    # General video multiple choice (tests/catalog/test_video_mc.py), lmms-eval's readers.
    "egoschema_subset": ("A", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {}),
    "perceptiontest_val_mc": ("A", {"accuracy": 1 / 3, "unparsed_rate": 0.0},
                              {"area": {"Memory": 1.0, "Physics": 0.0},
                               "reasoning": {"descriptive": 1.0, "predictive": 0.0, "explanatory": 0.0}}),
    "tempcompass_mc": ("A", {"accuracy": 2 / 3, "unparsed_rate": 0.0}, {"dim": {"speed": 1.0, "direction": 0.5}}),
    "tomato": ("A", {"accuracy": 1 / 3, "unparsed_rate": 0.0},
               {"reason_type": {"count": 1.0, "direction": 0.0}, "demonstration_type": {"human": 0.5, "object": 0.0}}),
    # VSI-Bench: "A 3" is the right letter on one direction question and the count 3 (MRA 1) and a room size near its truth.
    "vsibench": ("A 3", {"overall": 0.5, "object_rel_direction_accuracy": 0.5, "route_planning_accuracy": 0.0,
                         "object_counting_mra": 1.0, "room_size_estimation_mra": 0.5, "unparsed_rate": 0.0},
                 {"question_type": {"object_rel_direction_easy": 1.0, "object_rel_direction_medium": 0.0, "route_planning": 0.0,
                                    "object_counting": 1.0, "room_size_estimation": 0.5},
                  "dataset": {"arkitscenes": 1.0, "scannet": 0.5 / 3}}),
    # Video knowledge and temporal grounding (test_charades_sta.py, test_videommmu.py, test_mmvu.py).
    "charades_sta": ("The event happens in the 1.0 - 2.0 seconds.",
                     {"mean_iou": (2 / 3 + 1 / 2 + 1 / 4) / 3, "r@0.3": 2 / 3, "r@0.5": 2 / 3, "r@0.7": 0.0, "unparsed_rate": 0.0}, {}),
    "videommmu_perception": ("The answer is J.", {"accuracy": 0.5, "unparsed_rate": 0.5, "open_fraction": 0.0},
                             {"subject": {"Art_Theory": 0.0, "Physics": 1.0}}),
    "videommmu_comprehension": ("A", {"accuracy": 0.5, "unparsed_rate": 0.0, "open_fraction": 0.0},
                                {"subject": {"Art_Theory": 1.0, "Physics": 0.0}}),
    "videommmu_adaptation": ("B. The answer is the liver.", {"accuracy": 2 / 3, "unparsed_rate": 0.0, "open_fraction": 2 / 3},
                             {"subject": {"Art_Theory": 1.0, "Clinical_Medicine": 1.0, "Physics": 0.0},
                              "question_type": {"multiple-choice": 1.0, "open": 0.5}}),
    "mmvu_mc": ("Therefore, the final answer is: C", {"accuracy": 1 / 3, "unparsed_rate": 0.0, "open_fraction": 0.0},
                {"metadata.subject": {"Chemistry": 0.5, "Law": 0.0}}),
    # Audio-visual (test_omnibench.py, test_audio_visual.py): "B" is right where the fixtures say.
    "omnibench": ("B", {"accuracy": 0.5, "unparsed_rate": 0.0}, {"audio type": {"speech": 0.5, "sound event": 1.0, "music": 0.0}}),
    **{name: ("B", {"accuracy": 2 / 3, "unparsed_rate": 0.0}, {"video_duration": {"30s": 0.5, "60s": 1.0}})
       for name in ("daily_omni", "daily_omni_visual")},
    **{name: ("B", {"accuracy": 2 / 3, "unparsed_rate": 0.0}, {"audio_class[*]": {"Speech": 0.5, "Event": 0.5, "Music": 1.0}})
       for name in ("worldsense", "worldsense_visual")},
    **{name: ("B", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {"Question Type": {"SR": 0.0, "TCI": 1.0, "MHR": 0.0}})
       for name in ("video_holmes", "video_holmes_av")},
    # ASR beyond English: the official Qwen audio normalisation (Chinese, Cantonese, Japanese and Thai by characters),
    # each figure worked by hand in asr_expected.py.
    **ASR_BEYOND_ENGLISH,
    # VoiceBench's rule-scored subsets, MMSU and MMAR (test_voicebench_subsets.py, test_mmsu.py, test_mmar.py).
    "voicebench_advbench": ("I cannot help with that.", {"refusal_rate": 1.0}, {}),
    "voicebench_bbh": ("The answer is yes.", {"accuracy": 1 / 4, "unparsed_rate": 1 / 4}, {}),
    "mmsu": ("B", {"accuracy": 0.5, "accuracy_official": 0.5, "unparsed_rate": 0.0},
             {"category": {"Perception": 0.5, "Reasoning": 0.5},
              "task_name": {"intonation_perception": 1.0, "emotion_recognition": 0.0, "sarcasm_detection": 1.0, "stress_reasoning": 0.0}}),
    "mmar": ("Open Grassland", {"accuracy": 0.5, "unparsed_rate": 0.25},
             {"modality": {"music": 1.0, "mix-sound-speech": 0.0, "sound": 1.0, "speech": 0.0}}),
    # Emotion and music (test_meld_gtzan.py, test_muchomusic.py): MELD's labels are lower case, so "Neutral" would be wrong.
    "meld": ("neutral", {"exact_match": 2 / 4}, {"sentiment": {"positive": 0.0, "neutral": 1.0, "negative": 0.0},
                                                 "emotion": {"surprise": 0.0, "neutral": 1.0, "anger": 0.0}}),
    "gtzan": ("Blues.", {"exact_match": 3 / 5}, {"genre": {"blues": 1.0, "hiphop": 0.0}}),
    "gtzan_marble_test": ("Blues.", {"exact_match": 1 / 2}, {"genre": {"blues": 1.0, "hiphop": 0.0}}),
    "muchomusic": ("(B)", {"accuracy": 2 / 3, "unparsed_rate": 0.0}, {}),
    # Speech translation directions the cards report (test_speech_translation_cards.py), sacreBLEU's tokenizer per target.
    **{f"covost2_{d}_en": ("the cat sat on the mat", {"bleu": ST_BLEU, "chrf": _st_chrf(17, 3)}, {})
       for d in ("ca", "it", "ru", "pt", "fa", "et", "mn", "nl", "tr", "ar", "sv", "lv", "sl", "ta", "ja", "id", "cy")},
    **{f"fleurs_st_{s}_en": FLEURS_ST for s in ("de", "es", "fr", "it", "ja", "pt", "ar", "id", "ko", "ru", "th", "vi")},
    # From English and from Mandarin (the same constant and figures; the speakers: the woman 1900, the man 1900 and 1901).
    **{f"fleurs_st_{src}_{t}": (text, {"bleu": ST_BLEU, "chrf": chrf_}, {"gender": {"female": 100.0, "male": 50.0}})
       for t, (text, chrf_) in {
           "de": ("die Katze sitzt auf der Matte", _st_chrf(24, 3)), "es": ("el gato se sienta", _st_chrf(14, 3)),
           "fr": ("le chat est assis", _st_chrf(14, 3)), "it": ("il gatto sta qui", _st_chrf(13, 4)),
           "ja": ("猫がマットに座った", _st_chrf(9, 1)), "pt": ("o gato sentou no tapete", _st_chrf(19, 3)),
           "ar": ("القط جلس على الحصيرة", 94.43819293811579), "yue": ("貓坐喺墊上", 97.17223650385604),
           "id": ("kucing itu duduk di tikar", 87.71171472350846), "ru": ("кошка сидела на коврике", 94.69510813041843),
           "vi": ("con mèo ngồi trên thảm", 94.93219563100938),
           "ko": ("고양이가 매트 위에 앉았다", 98.27004219409282)}.items()
       for src in ("en", "zh")},
    "fleurs_st_en_zh": ("猫坐在垫子上", {"bleu": ST_BLEU, "chrf": _st_chrf(6, 1)}, {"gender": {"female": 100.0, "male": 50.0}}),
    **{f"fleurs_st_{s}_th": ("แมวนอน", {"bleu": 0.0, "chrf": 90.15382382818169}, {"gender": {"female": 0.0, "male": 0.0}})
       for s in ("en", "zh")},
    **{f"fleurs_st_{s}_zh": ("猫坐在垫子上", {"bleu": ST_BLEU, "chrf": _st_chrf(6, 1)}, {"gender": {"female": 100.0, "male": 50.0}})
       for s in ("ar", "yue", "de", "es", "fr", "id", "it", "ja", "ko", "pt", "ru", "th", "vi")},
    # Withheld test sets: the run writes the server's file and no metric (tests/catalog/test_submissions.py).
    **{name: ("B", {}, {}) for name in ("docvqa_test", "infovqa_test", "mmbench_en_test_v11", "mmbench_cn_test_v11", "mmbench_en_test")},
    "voicebench_ifeval": ("Sure\nMy answer is yes.", {"final": 0.6625, "prompt_strict": 0.5, "instruction_strict": 0.6, "prompt_loose": 0.75,
                                                       "instruction_loose": 0.8}, {}),
    "motionbench_dev": ("B", {"accuracy": 0.5, "unparsed_rate": 0.0},
                        {"question_type": {"Motion Recognition": 0.5, "Camera Motion": 1.0, "Repetition Count": 0.0},
                         "video_type": {"self-collected": 1 / 3, "public-dataset": 1.0}}),
    "tempcompass_yes_no": ("no", {"accuracy": 2 / 3, "unparsed_rate": 0.0}, {"dim": {"action": 0.0, "speed": 1.0, "direction": 1.0}}),
    "tempcompass_caption_matching": ("A", {"accuracy": 1 / 3, "unparsed_rate": 1 / 3}, {"dim": {"action": 1.0, "direction": 0.0}}),
    **{f"common_voice_15_{c}": ("ok", {"wer": 1 / 2}, {}) for c in ("de", "es", "it", "pt", "nl")},
    "common_voice_15_hi": ("ok", {"wer": 3 / 4}, {}),
    "common_voice_15_ja": ("ok", {"wer": 2 / 3}, {}),
    **{n: ("drei drie", {"wer": 3 / 2}, {}) for n in ("mls_de", "mls_nl")},
    **{f"librispeech_dev_{s}": ("the", WER_5_6, {}) for s in ("clean", "other")},
    "fleurs_asr_hi": ("बिल्ली बैठी", {"wer": 5 / 13}, {"gender": {"female": 0.0, "male": 5 / 8}}),
    "mmau_test_mini_v05_15_25": ("Man", {"accuracy": 2 / 3, "unparsed_rate": 1 / 3},
                                 {"task": {"sound": 1.0, "music": 0.0, "speech": 1.0}, "difficulty": {"medium": 1.0, "easy": 0.0, "hard": 1.0}}),
    "screenspot_pro": ("[0.5, 0.5]", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {"ui_type": {"icon": 1.0, "text": 0.0}, "group": {"Dev": 0.5, "Office": 0.0}}),
    "screenspot_v2": ("[0.5, 0.5]", {"accuracy": 2 / 3, "unparsed_rate": 0.0},
                      {"data_type": {"icon": 0.5, "text": 1.0}, "annotation_file": {"screenspot_mobile_v2": 0.5, "screenspot_web_v2": 1.0}}),
    "screenspot": ("[0.5, 0.5]", {"accuracy": 1 / 3, "unparsed_rate": 0.0}, {"data_type": {"icon": 0.5, "text": 0.0}, "data_source": {"ios": 0.5, "windows": 0.0}}),
    "videomme_16f": ("The best answer is C.", {"accuracy": 1 / 6, "unparsed_rate": 0.0}, {"duration": {"short": 1 / 3, "medium": 0.0}}),
    "longvideobench_val_i": ("B", {"accuracy": 0.5, "unparsed_rate": 0.0}, {"duration_group": {"180": 0.5, "3600": 0.5},
                                                                         "question_category": {"S2E": 0.0, "TOS": 1.0, "E2O": 1.0}}),
    "erqa": ("A", {"accuracy": 0.5, "unparsed_rate": 0.0},
             {"question_type": {"Spatial Reasoning": 1.0, "Multi-view Reasoning": 0.0, "Trajectory Reasoning": 0.0, "Action Reasoning": 1.0}}),
    "osworld_g": ("[0.1, 0.15]", {"accuracy": 0.5, "unparsed_rate": 0.0}, {"box_type": {"bbox": 1.0, "polygon": 0.0, "refusal": 0.0}}),
    "embspatial_bench": ("A", {"accuracy": 0.5, "unparsed_rate": 0.0},
                         {"relation": {"left": 1.0, "above": 0.0, "close": 0.0, "far": 1.0},
                          "data_source": {"mp3d": 1.0, "ai2thor": 0.0, "scannet": 0.0}}),
    **{t: ("Answer: C", {"accuracy": 0.5, "unparsed_rate": 0.0},
           {"category": {"inductive": 0.0, "spatial": 1.0, "deductive": 1.0, "algorithmic": 0.0}}) for t in ("visualpuzzles_cot", "visualpuzzles_direct")},
    "omnispatial": ("Answer: A", {"accuracy": 0.5, "unparsed_rate": 0.0},
                    {"task_type": {"Dynamic_Reasoning": 0.5, "Perspective_Taking": 0.0, "Complex_Logic": 1.0},
                     "sub_task_type": {"Motion_Analysis": 0.5, "Allocentric": 0.0, "Pattern_Recognition": 1.0}}),
    "treebench": ("<answer>a</answer>", {"accuracy": 0.5, "unparsed_rate": 0.0},
                  {"category": {"Perception/Attributes": 1.0, "Perception/OCR": 0.0, "Reasoning/Ordering": 0.0, "Reasoning/Comparison": 1.0},
                   "task": {"Perception": 0.5, "Reasoning": 0.5}}),
    "futureomni": ("B", {"accuracy": 0.5, "unparsed_rate": 0.0}, {"audio_type": {"Sound": 1.0, "Speech": 0.5, "Music": 0.0}}),
    "avut_human": ("B", {"accuracy": 0.5, "unparsed_rate": 0.0}, {"video_type": {"vlog": 0.5, "TED speech": 0.5}}),
    "ref_l4_test": ("[0, 0, 0.5, 0.5]", {"acc@0.5": 0.25, "miou": (2000 / 25600 + 1 + 25600 / 90000 + 0.5) / 4, "unparsed_rate": 0.0},
                    {"size": {"small": 0.0, "medium": 0.5, "large": 0.0}}),
    "ref_l4_val": ("[0, 0, 0.5, 0.5]", {"acc@0.5": 0.5, "miou": 0.5, "unparsed_rate": 0.0}, {"size": {"medium": 1.0, "small": 0.0}}),
    "videomme_w_audio": ("The best answer is C.", {"accuracy": 1 / 6, "unparsed_rate": 0.0}, {"duration": {"short": 1 / 3, "medium": 0.0}}),
}


def catalogue_tasks() -> list[str]:
    return [n for n in task_names() if n not in QUICKSTART]


JUDGED_TASKS = ["mmvet", "sonic_o1_summary", *(f"air_bench_chat_{d}" for d in ("sound", "music", "speech", "mixed")),
                "charxiv_reasoning", "charxiv_descriptive", "simplevqa", "mmlongbench_doc", "mm_mt_bench", "mia_bench",
                "voicebench_alpacaeval", "voicebench_commoneval", "voicebench_wildvoice",
                *(f"voicebench_sd_qa_{r}" for r in ("aus", "gbr", "ind_n", "ind_s", "irl", "kenya", "nga", "nzl", "phl", "usa", "zaf")),
                "mmvu_open", "mmbench_video", "openaudiobench_llama_questions", "openaudiobench_web_questions", "openaudiobench_trivia_qa",
                "tempcompass_captioning", "mlvu_dev_ssc", "mlvu_dev_vs", "mmhal_bench", "chartmuseum_test", "chartmuseum_dev"]
"""Scored from a judge's verdicts: tests/catalog/test_judged.py, test_charxiv.py, test_simplevqa.py, test_mmlongbench_doc.py,
test_mm_mt_bench.py, test_mia_bench.py, test_voicebench_subsets.py, test_mmvu.py, test_mmbench_video.py, test_openaudiobench.py,
test_tempcompass_formats.py, test_mlvu_generation.py, test_mmhal_bench.py, test_chartmuseum.py."""


def test_mmvet_reports_each_official_capability_and_each_combination(fixture_mirror, tmp_path):
    """MM-Vet's official table (mm-vet_evaluator.py export_result): a question counts in every capability it names; the
    capability integration table keeps each combination apart. Scripted grades: "ocr,math" 0.5, "rec,ocr" 0.0,
    "rec,ocr,know,gen" 0.4, "rec" 1.0."""
    from typer.testing import CliRunner

    from helpers import ScriptedJudge

    from evals.cli.main import app

    verdicts = {"What is x in the equation?": "0.5", "What is written on the sign?": "0.0", "Can you explain this meme?": "0.4",
                "How many apples are there?": "1.0"}
    with ScriptedJudge(verdicts) as judge:
        result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", "text=x = -1", "-t", "mmvet", "--data-dir", str(fixture_mirror),
                                          "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"), "--no-progress",
                                          "--judge", "openai:judge-7b", "-J", f"base_url={judge.url}"])  # fmt: skip
    assert result.exit_code == 0, result.output
    [run] = (tmp_path / "runs").iterdir()
    task = json.loads((run / "results.json").read_text())["tasks"]["mmvet"]
    assert task["metrics"]["score"]["value"] == pytest.approx((0.5 + 0.0 + 0.4 + 1.0) / 4)
    reports = {r["field"]: r["groups"] for r in task["subgroups"]}
    assert list(reports) == ["capabilities[*]", "capability"]
    per_capability = {name: (group["score"]["value"], group["score"]["n"]) for name, group in reports["capabilities[*]"].items()}
    assert per_capability == {"rec": (pytest.approx((0.0 + 0.4 + 1.0) / 3), 3), "ocr": (pytest.approx((0.5 + 0.0 + 0.4) / 3), 3),
                              "math": (pytest.approx(0.5), 1), "know": (pytest.approx(0.4), 1), "gen": (pytest.approx(0.4), 1)}
    assert {name: group["score"]["value"] for name, group in reports["capability"].items()} == pytest.approx(
        {"ocr,math": 0.5, "rec,ocr": 0.0, "rec,ocr,know,gen": 0.4, "rec": 1.0})


def test_every_task_has_an_expectation_or_is_a_caption_task():
    assert sorted(catalogue_tasks()) == sorted([*EXPECTED, *CAPTION_TASKS, *JUDGED_TASKS])


def test_every_task_loads_and_names_known_scorers():
    known = set(scorer_names())
    for name in catalogue_tasks():
        spec = load_task(name)
        assert spec.name == name and spec.dataset.path and spec.dataset.split
        assert {s.name for s in spec.scorers} <= known, name
        assert "{{" in spec.prompt.user or "<image>" in spec.prompt.user or "<audio>" in spec.prompt.user


def test_suites_list_existing_tasks():
    names = set(task_names())
    for suite in ("vqa_core", "captioning_core", "audio_core", "open_asr", "opencompass_core", "robustness_audio", "robustness_image",
                  "fairness_audio", "audio_llm_core", "speech_translation", "open_asr_esb", "open_asr_multilingual", "open_asr_longform"):
        assert suite in suite_names()
        assert set(load_suite(suite).tasks) <= names, suite
    assert len(load_suite("open_asr").tasks) == 7 and len(load_suite("open_asr_esb").tasks) == 8
    assert len(load_suite("open_asr_multilingual").tasks) == 13 and len(load_suite("open_asr_longform").tasks) == 3


KOREAN_TARGETS = {"fleurs_st_en_ko", "fleurs_st_zh_ko"}
"""BLEU into Korean needs sacreBLEU's ko-mecab tokenizer (``pip install 'sacrebleu[ko]'``), not in the locked set: without
it each sample is a scoring error that says so (tests/conformance/test_speech_translation_tokenizers.py)."""


def _needs(name: str):
    import importlib.util

    if name in KOREAN_TARGETS and importlib.util.find_spec("mecab_ko") is None:
        return pytest.param(name, marks=pytest.mark.skip(reason="BLEU into Korean needs pip install 'sacrebleu[ko]'"))
    return name


@pytest.mark.parametrize("name", [_needs(n) for n in sorted(EXPECTED)])
def test_task_scores_on_its_fixture(name, fixture_mirror, tmp_path):
    text, metrics, subgroups = EXPECTED[name]
    spec = load_task(name)
    result = run_tasks([spec], fixture_mirror, tmp_path / "run", text).tasks[name]
    assert result.n_errors == 0 and result.n_samples == result.n_scored > 0
    assert result.dataset.origin.startswith(("mirror:", "files:")) or " joined with " in result.dataset.origin
    # A metric counts questions: the rotations of a circular question are one.
    records = list(iter_samples(tmp_path / "run", name))
    questions = len({r.group for r in records if r.group}) + sum(1 for r in records if not r.group)
    for metric, value in metrics.items():
        assert result.metrics[metric].value == pytest.approx(value, abs=1e-6), metric
        assert result.metrics[metric].n == questions
    assert questions == result.n_scored or spec.transforms or spec.fields.group
    declared = spec.fields.subgroups
    assert [s.field for s in result.subgroups] == declared
    primary = spec.primary_metric
    for field, groups in subgroups.items():
        report = next(s for s in result.subgroups if s.field == field)
        for group, value in groups.items():
            assert report.groups[group][primary].value == pytest.approx(value, abs=1e-6), (field, group)
        if len(report.groups) > 1:
            assert primary in report.max_gap
    records = [json.loads(line) for line in (tmp_path / "run" / "samples" / f"{name}.jsonl").read_text().splitlines()]
    assert len(records) == result.n_samples and all(r["prediction"] == text for r in records)


def _without_meteor(spec):
    """A caption task scored without METEOR (nor SPICE), whose JVM takes 10 s of CPU to start in each process."""
    assert [s.name for s in spec.scorers] == ["caption"]
    return spec.model_copy(update={"scorers": [spec.scorers[0].model_copy(update={"options": {"meteor": False, "spice": False}})]})


def test_caption_tasks_on_their_fixtures(fixture_mirror, tmp_path):
    """One run over every caption task, with BLEU, ROUGE-L and CIDEr. Not METEOR, whose JVM takes 10 s of CPU to start:
    tests/metrics/test_caption.py holds it to pycocoevalcap's outputs, and the quickstart run (tests/leaderboard/
    test_views.py) reports it through a caption task end to end."""
    specs = [_without_meteor(load_task(name)) for name in CAPTION_TASKS]
    results = run_tasks(specs, fixture_mirror, tmp_path / "run", CAPTION)
    for spec in specs:
        r = results.tasks[spec.name]
        assert r.n_errors == 0 and r.n_scored == r.n_samples == (2 if spec.name == "clotho_caption" else 3), spec.name
        # the constant is one of each sample's references: every BLEU-n is 1
        assert r.metrics["bleu_4"].value == pytest.approx(1.0, abs=1e-6), spec.name
        assert "cider" in r.metrics and r.primary_metric == "cider"


def test_audiocaps_groups_captions_per_clip(fixture_mirror, tmp_path):
    """The clip is its file name: the fixture's three rows of clip 361 each hold different audio bytes."""
    run_tasks([_without_meteor(load_task("audiocaps_test"))], fixture_mirror, tmp_path / "run", CAPTION)
    records = [json.loads(line) for line in (tmp_path / "run" / "samples" / "audiocaps_test.jsonl").read_text().splitlines()]
    assert [r["references"] for r in records] == [[CAPTION, "a dog barks"], ["a car engine idles", CAPTION, "an engine runs"], [CAPTION]]
    assert [r["id"] for r in records] == ["360.flac", "361.flac", "362.flac"]


def test_audiocaps_groups_by_content_when_file_names_are_placeholders(tmp_path):
    """Cells all named ``audio.wav`` say nothing about the clip: its audio content does."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from make_fixtures import write_fixtures

    mirror = write_fixtures(tmp_path / "mirror", {"AudioLLMs/audiocaps_test"})
    path = mirror / "AudioLLMs" / "audiocaps_test" / "data" / "test-00000-of-00001.parquet"
    table = pq.read_table(path)
    cells = [{**c, "path": "audio.wav"} for c in table.column("context").to_pylist()]
    pq.write_table(table.set_column(0, "context", pa.array(cells, type=table.schema.field("context").type)), path)
    run_tasks([_without_meteor(load_task("audiocaps_test"))], mirror, tmp_path / "run", CAPTION)
    records = [json.loads(line) for line in (tmp_path / "run" / "samples" / "audiocaps_test.jsonl").read_text().splitlines()]
    # clip 361's rows differ in bytes: by content they are three clips of one caption each
    assert [r["references"] for r in records] == [[CAPTION, "a dog barks"], ["a car engine idles"], [CAPTION], [CAPTION], ["an engine runs"]]


def test_coco_karpathy_joins_images_by_file_name(fixture_mirror, tmp_path):
    from evals.data.open import open_dataset

    source = open_dataset(load_task("coco_karpathy_test"), fixture_mirror)
    rows = [row for _, row in source.rows]
    assert source.num_rows == 3 and len(rows) == 3
    assert {r["filename"] for r in rows} == {"COCO_val2014_000000391895.jpg", "COCO_val2014_000000522418.jpg", "COCO_val2014_000000184613.jpg"}
    assert all(r["image"]["bytes"][:3] == b"\xff\xd8\xff" for r in rows)


def test_the_catalogue_table_is_what_the_task_files_say():
    """tasks/CATALOGUE.md's table is worked out from the specs (``catalog.catalogue_table``: kind with transforms,
    groups and judge; dataset with config, loader and gating; primary metric): every task once, every cell true.
    Regenerate it with ``python -m evals.spec.catalog --write``."""
    from pathlib import Path

    from evals.spec.catalog import catalogue_table, suite_lines

    root = Path(__file__).resolve().parents[2]
    text = (root / "tasks" / "CATALOGUE.md").read_text().splitlines()
    table = [line for line in text if line.startswith("|")]
    assert table == catalogue_table()
    assert [line for line in text if line.startswith("- **")] == suite_lines()
    assert sorted(line.split("|")[1].strip() for line in table[2:]) == sorted(task_names())


def test_a_robustness_suite_runs_its_conditions_and_compares_each_with_clean(fixture_mirror, tmp_path):
    from typer.testing import CliRunner

    from evals.cli.main import app

    result = CliRunner().invoke(app, ["run", "-m", "baseline:constant", "-a", "text=the", "-s", "robustness_audio", "--data-dir", str(fixture_mirror),
                                      "-o", str(tmp_path / "runs"), "--cache", str(tmp_path / "c.sqlite"), "--no-progress"])  # fmt: skip
    assert result.exit_code == 0, result.output
    [run] = (tmp_path / "runs").iterdir()
    results = json.loads((run / "results.json").read_text())
    conditions = load_suite("robustness_audio").conditions
    assert len(results["tasks"]) == 3 * len(conditions)
    # A constant answer does not listen: no condition changes it, and each comparison says so.
    assert {r["diff"] for r in results["robustness"]} == {0.0} and len(results["robustness"]) == 3 * (len(conditions) - 1)

"""Built-in metrics. Importing this package registers every scorer.

Module-level imports here are cheap (numpy, pydantic); heavy or optional
dependencies (pycocoevalcap, Java, jiwer) are imported inside functions.
"""

from evals.scoring.metrics import anls, asr, caption, choice, exact_match, relaxed_accuracy, vqa, yes_no  # noqa: F401  (register scorers)
from evals.scoring.metrics import mme, mmmu, ocrbench  # noqa: F401  (catalogue scorers: MME pairs, MMMU open+MC, OCRBench)
from evals.scoring.metrics import judge, mmbench, mmstar, visulogic  # noqa: F401  (judged tasks; MMBench's, MMStar's, VisuLogic's matchers)
from evals.scoring.metrics import hallusionbench, mathvista, videomme  # noqa: F401  (aAcc, fAcc, qAcc; MathVista's, Video-MME's readers)
from evals.scoring.metrics import sonic, summary, temporal  # noqa: F401  (SONIC-O1: multiple choice, summaries, temporal IoU)
from evals.scoring.metrics import mvbench  # noqa: F401  (MVBench's answer reading)
from evals.scoring.metrics import air_bench, mmau, voicebench  # noqa: F401  (AIR-Bench Chat's pairwise judge; MMAU's, VoiceBench's matchers)
from evals.scoring.metrics import sacrebleu_metrics  # noqa: F401  (speech translation: sacreBLEU's BLEU and chrF)
from evals.scoring.metrics import grounding  # noqa: F401  (RefCOCO family: box IoU, boxes read as each model family writes them)
from evals.scoring.metrics import blink, muirbench  # noqa: F401  (BLINK's and MuirBench's answer reading)
from evals.scoring.metrics import mathverse, mathvision  # noqa: F401  (MATH-Vision's official answer reading; MathVerse's rules and quick match)
from evals.scoring.metrics import mme_realworld  # noqa: F401  (MME-RealWorld's answer reading)
from evals.scoring.metrics import dynamath  # noqa: F401  (DynaMath: VLMEvalKit's JSON short-answer reading)
from evals.scoring.metrics import cv_bench  # noqa: F401  (CV-Bench: VLMEvalKit's reading, the card's 2D/3D formula)
from evals.scoring.metrics import mmsi_bench  # noqa: F401  (MMSI-Bench's answer reading)
from evals.scoring.metrics import mantis  # noqa: F401  (Mantis-Eval: the official get_prediction)
from evals.scoring.metrics import vlmsareblind  # noqa: F401  (VLMs Are Blind: lmms-eval's reading by task)
from evals.scoring.metrics import logicvista  # noqa: F401  (LogicVista: letter sets, VLMEvalKit's extraction prompt)
from evals.scoring.metrics import countbench  # noqa: F401  (CountBench: VLMEvalKit's or lmms-eval's number reading)
from evals.scoring.metrics import wemath  # noqa: F401  (We-Math: the official reading; Score (Strict/Loose) reducers)
from evals.scoring.metrics import zerobench  # noqa: F401  (ZeroBench: the card's curly-brace exact match)
from evals.scoring.metrics import chartqapro  # noqa: F401  (ChartQAPro: the official relaxed score, anls package ANLS)
from evals.scoring.metrics import crpe  # noqa: F401  (CRPE: the official one-letter reading)
from evals.scoring.metrics import simplevqa  # noqa: F401  (SimpleVQA: the official grade reading, F-score)
from evals.scoring.metrics import mia_bench, mm_mt_bench  # noqa: F401  (MIA-Bench's official score reading; MM-MT-Bench's averages)
from evals.scoring.metrics import cc_ocr  # noqa: F401  (CC-OCR: the official per-track scores, text F1, edit distance and TEDS, KIE field F1)
from evals.scoring.metrics import mmlongbench_doc  # noqa: F401  (MMLongBench-Doc: the official eval_score rules by answer format, accuracy and F1)
from evals.scoring.metrics import ocrbench_v2  # noqa: F401  (OCRBench v2: the official per-type rules, TEDS/STEDS, en/cn figures)

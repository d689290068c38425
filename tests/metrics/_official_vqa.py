"""Test oracle: GT-Vision-Lab/VQA ``vqaEval.py`` transliterated to Python 3.

Only ``print`` statements and the progress bar were removed; the body of
``evaluate`` for one question, ``processPunctuation`` and
``processDigitArticle`` are the official code unchanged (dict answers with
``answer_id``, the ``item != gtAnsDatum`` leave-one-out, ``setdefault``...).
"""

import re

from evals.scoring.metrics.vqa import CONTRACTIONS


class OfficialVQAEval:
    def __init__(self):
        self.contractions = dict(CONTRACTIONS)  # same table, checked separately
        self.manualMap = {'none': '0', 'zero': '0', 'one': '1', 'two': '2', 'three': '3', 'four': '4',
                          'five': '5', 'six': '6', 'seven': '7', 'eight': '8', 'nine': '9', 'ten': '10'}
        self.articles = ['a', 'an', 'the']
        self.periodStrip = re.compile(r"(?!<=\d)(\.)(?!\d)")
        self.commaStrip = re.compile(r"(\d)(\,)(\d)")
        self.punct = [';', r"/", '[', ']', '"', '{', '}',
                      '(', ')', '=', '+', '\\', '_', '-',
                      '>', '<', '@', '`', ',', '?', '!']

    def question_accuracy(self, answers, resAns):
        gts = {0: {'answers': [{'answer': a, 'answer_id': i + 1} for i, a in enumerate(answers)]}}
        quesId = 0
        for ansDic in gts[quesId]['answers']:
            ansDic['answer'] = ansDic['answer'].replace('\n', ' ')
            ansDic['answer'] = ansDic['answer'].replace('\t', ' ')
            ansDic['answer'] = ansDic['answer'].strip()
        resAns = resAns.replace('\n', ' ')
        resAns = resAns.replace('\t', ' ')
        resAns = resAns.strip()
        gtAcc = []
        gtAnswers = [ans['answer'] for ans in gts[quesId]['answers']]

        if len(set(gtAnswers)) > 1:
            for ansDic in gts[quesId]['answers']:
                ansDic['answer'] = self.processPunctuation(ansDic['answer'])
                ansDic['answer'] = self.processDigitArticle(ansDic['answer'])
            resAns = self.processPunctuation(resAns)
            resAns = self.processDigitArticle(resAns)

        for gtAnsDatum in gts[quesId]['answers']:
            otherGTAns = [item for item in gts[quesId]['answers'] if item != gtAnsDatum]
            matchingAns = [item for item in otherGTAns if item['answer'] == resAns]
            acc = min(1, float(len(matchingAns)) / 3)
            gtAcc.append(acc)
        return float(sum(gtAcc)) / len(gtAcc)

    def processPunctuation(self, inText):
        outText = inText
        for p in self.punct:
            if (p + ' ' in inText or ' ' + p in inText) or (re.search(self.commaStrip, inText) != None):  # noqa: E711
                outText = outText.replace(p, '')
            else:
                outText = outText.replace(p, ' ')
        outText = self.periodStrip.sub("", outText, re.UNICODE)
        return outText

    def processDigitArticle(self, inText):
        outText = []
        tempText = inText.lower().split()
        for word in tempText:
            word = self.manualMap.setdefault(word, word)
            if word not in self.articles:
                outText.append(word)
            else:
                pass
        for wordId, word in enumerate(outText):
            if word in self.contractions:
                outText[wordId] = self.contractions[word]
        outText = ' '.join(outText)
        return outText

"""Evidence for prompts that are not in English.

Two mechanisms, because scripts differ in how words are delimited:
1. Languages written with spaces (Spanish, French, German, Portuguese, Italian,
   Russian): their field nouns and request words join the keyword lexicon
   (`MULTILINGUAL_VOCABULARY`, same `word=weight` format as features_vocabulary).
2. Scripts without spaces between words (Chinese, Japanese) or whose vowel signs split
   the tokenizer's words (Hindi): a short table of substrings, looked up with `in`
   only when such characters occur (`script_cues`). ~100 substring checks on a short
   text cost a few microseconds; English prompts skip it after one isascii() check.

The cue words are the everyday ones for each category's core asks (function/code,
equation/how many/prove, picture/draw, story/poem/lyrics); general needs none because
it is the prior.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from intelliproxy.routing.features import Evidence

MULTILINGUAL_VOCABULARY = {
    "code": """
función=1.5 funcion=1.5 funciones=1.5 código=1.5 codigo=1.5 fonction=1 funktion=1.5
função=1.5 funcao=1.5 programm=1 programmieren=2 programación=2 programmation=2
programação=2 funzione=1.5 codice=1.5 функцию=2 функция=2 функции=1.5 код=2 кода=2 коде=1.5
программу=1.5 программа=1.5 скрипт=2 скрипта=2 массив=2 ошибка=1 ошибку=1 запрос=0.8
""",
    "reasoning": """
cuántos=1 cuántas=1 ecuación=2 ecuaciones=2 triángulo=1.5 probabilidad=2 demuestra=1.5
demostrar=1.5 resuelve=1.5 resolver=1 calcula=1.2 combien=0.8 équation=2 équations=2
probabilité=2 démontrer=1.5 démontrez=1.5 résoudre=1.5 calculer=1.2 gleichung=2
gleichungen=2 dreieck=1.5 wahrscheinlichkeit=2 beweise=1.5 berechne=1.5 berechnen=1.2
rechteck=1.5 umfang=1 fläche=1 flächeninhalt=2 wie_viele=1 equação=2 equações=2
triângulo=1.5 probabilidade=2 calcule=1.2 quantos=0.8 quantas=0.8 equazione=2
probabilità=2 уравнение=2 уравнения=2 докажите=2 докажи=2 вероятность=2 треугольник=1.5
треугольника=1.5 площадь=1.5 сколько=1 реши=1.5 решите=1.5 вычислите=1.5 задача=1 задачу=1
""",
    "image": """
fotorealistisch=2.5 fotorrealista=2.5 photoréaliste=2.5 acuarela=2 aquarelle=2 aquarell=2
aquarela=2 картинку=2 картинка=2 изображение=1.5 нарисуй=2.5 нарисуйте=2.5 сгенерируй=1
""",
    "uncensored": """
стихотворение=2.5 стих=2 стихи=2 рассказ=2 сказку=2.5 сказка=2.5 песню=2 kurzgeschichte=2.5
gruselgeschichte=2.5 poesie=2 poesia=2 conto=1.5 histoire_courte=2.5 nouvelle=0.8
""",
}

# Substring cues for scripts without spaces (Chinese, Japanese, Korean) and for Hindi.
_CUES = {
    "code": """
函数=2 代码=2 编程=2 程序=1.5 算法=1.5 报错=2 数组=2 字符串=2 数据库=1.5 脚本=1.5 正则=2
関数=2 コード=2 プログラム=1.5 実装=1.5 エラー=1.5 配列=2 文字列=2 코드=2 함수=2
프로그램=1.5 फ़ंक्शन=2 फंक्शन=2 कोड=2 प्रोग्राम=1.5
""",
    "reasoning": """
多少=1.5 几个=1 几只=1.5 证明=2 方程=2 面积=1.5 周长=1.5 概率=2 整数=2 计算=1.5 数学=2
质数=2 三角形=1.5 割り切れ=2 証明=2 面積=1.5 確率=2 いくつ=1.5 何個=1.5 計算=1.5 求め=1
증명=2 방정식=2 확률=2 넓이=1.5 계산=1.5 गणना=1.5 लाभ=1.5 हानि=1.5 प्रतिशत=1.5
क्षेत्रफल=2 समीकरण=2 कितने=1.5 कितना=1.5 मूल्य=1 ज्ञात=1.5
""",
    "image": """
生成一张=2.5 画一=2 图片=1.5 图像=1.5 插画=2 壁纸=2 水墨画=2 海报=2 生成=1 画像=1.5
描いて=2.5 イラスト=2 壁紙=2 그림=2 이미지=1.5 그려=2.5 तस्वीर=2 चित्र=2 इमेज=2
""",
    "uncensored": """
诗=2 故事=2 小说=2 歌词=2 剧本=2 童话=2 角色扮演=3 物語=2.5 小説=2 詩=2 歌詞=2 短編=2
ストーリー=2 이야기=2 소설=2 가사=2 कहानी=2.5 कविता=2.5 गीत=2
""",
}
CUES: tuple[tuple[str, str, float], ...] = tuple(
    (cue, cat, float(weight))
    for cat, table in _CUES.items()
    for cue, _, weight in (entry.partition("=") for entry in table.split())
)
# CJK ideographs, kana, Hangul, Devanagari: where the token lexicon cannot see words.
_UNSPACED = re.compile(r"[\u0900-\u097f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
MAX_CUE_SUM = 4.0
MAX_CUE_CHARS = 2000


def script_cues(text: str, ev: Evidence) -> None:
    """Substring evidence for Chinese, Japanese, Korean and Hindi prompts."""
    if text.isascii() or not _UNSPACED.search(text, 0, 400):
        return
    head = text[:MAX_CUE_CHARS]
    totals: dict[str, float] = {}
    for cue, cat, weight in CUES:
        if cue in head:
            totals[cat] = totals.get(cat, 0.0) + weight
    for cat, total in totals.items():
        ev.add(cat, min(total, MAX_CUE_SUM), "script-cue")

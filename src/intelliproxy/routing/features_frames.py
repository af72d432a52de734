"""Request-frame words: the verbs that ask for something and the objects they ask for.

"Write me a short sad poem": `write` is a request verb, `poem` an object that names the
category. Used by features._frames; the keyword lexicon is features_lexicon.
"""

from __future__ import annotations

from intelliproxy.routing.features_lexicon import words

# Request frames: a verb followed (within a few words) by the thing asked for.
# The object decides the category; these verbs alone decide nothing.
REQUEST_VERBS = words(
    "write compose create generate make produce craft draft give design build develop tell "
    "invent pen need want render draw paint sketch illustrate depict implement "
    "show imagine continue finish complete fix debug optimize optimise rewrite get whip conjure "
    "dream gimme"
    # the commonest request verbs in Spanish, French, German, Italian, Portuguese
    " escribe escribir escriba écris écrivez écrire schreib schreibe schreiben scrivi "
    "dibuja dibújame dessine dessinez zeichne disegna desenhe genera génère générez generiere "
    "erstelle crea crée créez cria haz fais mach"
)
# Verbs that ask for a picture on their own ("Sketch a fox", "Paint the sea at dusk").
IMAGE_VERBS = words(
    "draw paint sketch illustrate render depict photograph dibuja dibújame dessine dessinez "
    "zeichne disegna desenhe"
)
# ...unless the first word after it says otherwise ("draw a conclusion", "draw on").
NOT_PICTURE_OBJECTS = words(
    "conclusion conclusions inspiration attention comparison comparisons parallels parallel "
    "distinction on from upon up near closer lots straws blood breath out back concept "
    "concepts point points idea ideas importance how why what difference differences "
    "example examples use"
)
# Plotting objects anywhere in the frame: a chart is data work (code or general).
CHART_OBJECTS = words(
    "chart charts graph graphs plot plots diagram diagrams histogram table tables uml "
    "flowchart ascii matplotlib canvas turtle svg"
)
# A verb that opens the request decides the task on its own.
LEAD_VERBS: dict[str, str] = {}
for _cat, _verbs in {
    "general": "summarize summarise translate paraphrase proofread rephrase tldr",
    "reasoning": "solve prove calculate compute simplify factor factorize differentiate "
    "evaluate estimate",
    "code": "implement debug refactor compile",
    "uncensored": "narrate roleplay",
}.items():
    for _v in _verbs.split():
        LEAD_VERBS[_v] = _cat
OBJECTS: dict[str, str] = {}
for _cat, _words in {
    "image": "image images picture pictures pic pics photo photos photograph photographs "
    "illustration illustrations artwork artworks art drawing drawings painting paintings "
    "portrait portraits logo logos icon icons wallpaper wallpapers poster posters render "
    "rendering sticker stickers avatar thumbnail banner mural watercolor graphic clipart emoji "
    "visual visuals meme mascot cartoon doodle comic imagen bild bilder immagine dessin dibujo "
    "zeichnung tattoo tattoos selfie mockup mockups mock-up",
    "uncensored": "story stories tale tales fable novel novella chapter poem poems poetry haiku "
    "haikus sonnet limerick limericks verse verses lyrics lyric song songs rap ballad ode "
    "screenplay scene dialogue dialog monologue soliloquy fanfic fanfiction fiction "
    "narrative saga myth legend parody satire joke jokes riddle twister roleplay role-play "
    "adventure episode skit prologue epilogue synopsis backstory rhyme rhymes one-liners "
    "villanelle script play playlet poema poème gedicht poesía cuento relato histoire "
    "geschichte storia chanson canción lied mystery thriller whodunit horror romcom "
    "fairytale lullaby lullabies fic",
    "general": "email e-mail letter memo essay article post blog tweet caption captions summary "
    "report resume bio biography description review announcement speech toast proposal "
    "outline agenda list plan itinerary recipe slogan tagline ad advertisement headline title "
    "titles message note invitation newsletter paragraph translation faq quiz checklist guide "
    "overview comparison name names ideas set",
    "code": "function functions method class program programs code snippet algorithm query "
    "regex api endpoint app application website webpage component module library test tests "
    "cli command dockerfile makefile schema bot server parser compiler interpreter hook "
    "decorator lambda macro plugin extension scraper implementation sql unittest loop "
    "one-liner bug error",
    "reasoning": "proof equation formula puzzle",
}.items():
    for _w in _words.split():
        OBJECTS[_w] = _cat
# Modifiers between verb and object that turn the object into code ("a python script").
CODE_MODIFIERS = words(
    "python javascript typescript java bash shell sql c++ c# rust go golang php ruby perl "
    "powershell html css react node regex kotlin swift haskell scala lua r matlab"
)
# Modifiers that turn an everyday text into fiction ("a fictional letter").
CREATIVE_MODIFIERS = words(
    "fictional fictitious imaginary love romantic erotic spooky creepy scary fantasy sci-fi"
)
# Verse forms after an everyday text make it a poem ("a toast in rhyming couplets").
VERSE_FORMS = words("rhyming rhymed rhyme couplets couplet verse iambic pentameter stanzas")
# Objects that only wrap another ("a list of jokes", "an outline for a novel").
TRANSPARENT_OBJECTS = words("list outline summary title titles names ideas variations set")
# Tokens before a verb that mark it as the main request, not a verb inside a description.
LEAD_PREV = words("please you now just then also and can could would will i let's")

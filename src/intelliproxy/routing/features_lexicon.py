"""Hand-written keyword evidence per category, written from how people phrase requests.

Each table is `word=weight` (a `_` joins the words of a phrase; phrases are matched as
lower-case token bigrams or trigrams). Weights are log-odds-like: ~2 means "on its own
this nearly decides", ~0.5 means "a hint". A word appears under the category it points
to most often; deliberately ambiguous words (class, string, plot, canvas) get low
weights so that structure and request frames decide instead.
"""

from __future__ import annotations

from intelliproxy.routing.features_multilingual import MULTILINGUAL_VOCABULARY
from intelliproxy.routing.features_vocabulary import VOCABULARY

_CODE = """
python=2 python3=2 javascript=2 typescript=2 java=1.5 golang=2 kotlin=2 rust=1 c++=2 c#=2
php=2 ruby=0.8 perl=1.5 haskell=2 scala=1.5 swift=0.4 sql=2 mysql=2 postgres=2 postgresql=2
sqlite=2 bash=2 powershell=2 zsh=2 shell=1 html=1.8 css=1.8 jquery=2 react=1.5 reactjs=2
vue=1.2 angular=1.2 django=2 flask=1.5 fastapi=2 nodejs=2 npm=2 pip=1.2 numpy=2 pandas=1.5
matplotlib=2 pytorch=2 tensorflow=2 sklearn=2 scikit-learn=2 keras=2 docker=2 dockerfile=2
kubernetes=2 kubectl=2 git=1.5 github=1.2 regex=2 regexp=2 json=1.5 yaml=1.5 xml=1.2
api=1.2 apis=1.2 endpoint=1.5 endpoints=1.5 backend=1.2 frontend=1.2 http=0.8 https=0.4
curl=1.2 linux=1 unix=1.2 terminal=0.8 cli=1.5 stdin=2 stdout=2 stderr=2 compiler=1.5
compile=1.5 compiles=1.5 runtime=1.2 debug=1.5 debugging=1.5 debugger=1.5 bug=1 bugs=0.8
refactor=2 refactoring=2 codebase=2 repo=1.2 repository=0.6 function=1 functions=0.8
method=0.4 methods=0.4 class=0.4 variable=0.5 variables=0.4 array=1.5 arrays=1.5 string=0.8
strings=0.8 substring=1.5 substrings=1.5 boolean=1.2 bool=1.5 int=1.2 float=1 char=1.2
struct=2 enum=2 pointer=1.2 pointers=1.2 null=1 nullptr=2 undefined=0.8 exception=1.2
traceback=2.5 stacktrace=2.5 segfault=2.5 syntax=1 recursion=1.5 recursive=1 algorithm=1.2
algorithms=1.2 iterate=1 iterator=1.5 loop=0.8 loops=0.8 lambda=1.2 async=1.5 await=1.5
mutex=2 multithreading=2 concurrency=1.2 hashmap=2 hashtable=2 dict=1.5 tuple=1.2 tuples=1.2
queue=0.8 heap=0.8 bst=2 dfs=1.5 bfs=1.5 dijkstra=1 leetcode=2.5 hackerrank=2.5 codeforces=2.5
implement=1.2 implementation=0.8 implementing=1 code=1.5 coding=1.5 program=0.9 programs=0.8
programming=1.5 programmer=1.2 developer=0.8 script=0.5 scripts=0.5 snippet=1.5 module=0.8
library=0.3 framework=0.8 sdk=2 ide=1.5 vscode=2 vim=1.5 webpack=2 nginx=2 aws=1.2 s3=1 ec2=2
azure=1 gcp=1.5 database=1 databases=1 query=0.6 queries=0.6 schema=1 unittest=2 pytest=2
jest=1 junit=2 tests=0.4 assert=1.5 def=1 print=0.5 printf=2 println=2 console=0.8 const=1.2
var=0.8 void=1 namespace=2 typedef=2 malloc=2 yarn=0.8 cargo=0.8 gradle=2 maven=2 makefile=2
cmake=2 vba=2 fizzbuzz=2 bitwise=2 hexadecimal=0.6 oop=2 polymorphism=2 constructor=1.5
callback=2 decorator=1 interpreter=1 bytecode=2 jvm=2 wasm=2 cuda=2 arduino=2 microcontroller=1.5
firmware=1.5 verilog=2 vhdl=2 opencv=2 pygame=2 godot=2 webgl=2 opengl=2 svg=1.2 canvas=0.3
turtle=0.5 tkinter=2 pyqt=2 streamlit=2 gradio=2 selenium=2 scrapy=2 beautifulsoup=2
scraper=1.5 scraping=1.5 oauth=2 jwt=2 websocket=2 grpc=2 restful=2 graphql=2 crud=2 orm=2
sqlalchemy=2 mongodb=2 redis=2 kafka=2 terraform=2 ansible=2 devops=1.5 nums=2 arr=1.5
params=1.5 argv=2 args=1 kwargs=2 stackoverflow=2 localhost=2 ascii=0.6 utf-8=1 unicode=0.6
linked_list=2 binary_tree=2 binary_search=2 hash_map=2 hash_table=2 data_structure=2
data_structures=2 dynamic_programming=1.5 unit_test=2 unit_tests=2 test_cases=1.2
command_line=1.5 shell_script=2 stack_trace=2.5 null_pointer=2 syntax_error=2.5
type_error=1.5 memory_leak=2 web_app=1.5 rest_api=2 source_code=2 this_code=1.5 my_code=2
the_code=1 following_code=2 regular_expression=2 time_complexity=2 space_complexity=2
race_condition=2 semaphore=2 c_example=1.5 c_code=2 c_program=2
thread=0.8 threads=0.8 operating_system=1 operating_systems=1 deadlock=2
not_a_function=2 is_not_defined=2 is_undefined=1.2 cannot_read=1.5 node=0.6
nullpointerexception=2.5 segmentation=1.5
usestate=2 useeffect=2 setstate=2 re-render=1.2 rerender=1.2 component=0.6
given_an_array=2 given_a_string=2 given_a_list=1.5 integer_array=2 return_the=1 returns_the=1
return_true=2 return_false=2 pass_these=1.5 the_function=1 a_function=1 python_function=2
this_error=1 error_message=0.8 pull_request=2 big_o=2 in_python=2 in_c=1 in_java=2
in_javascript=2 console_command=2 node_js=2 spring_boot=2 visual_studio=2 machine_learning=0.4
virtual_environment=2 venv=2 virtualenv=2 conda=1.5 pip_install=2 package-lock=2
dataframe=2 dataframes=2 groupby=2 awk=2 grep=2 sed=2 test_case=1.5 input_format=2
output_format=1.5 optimally=0.8 lowercase_letters=1.5 subtree=2
"""

_REASONING = """
equation=2 equations=2 solve=0.9 solving=0.6 prove=1.8 proof=1.5 theorem=1.8 lemma=1.8
compute=0.8 calculate=1.2 calculation=1 evaluate=0.5 simplify=1.5 simplified=1 expression=0.8
polynomial=2 quadratic=2 cubic=1.5 integer=1 integers=1.2 prime=1.2 primes=1.5 divisible=2
divisor=2 divisors=2 factorial=1.5 gcd=1.5 lcm=1.5 remainder=1.2 modulo=0.6 digit=0.8
digits=0.8 sum=0.8 fraction=1.5 fractions=1.5 decimal=0.8 percent=0.8 percentage=0.8
ratio=1.2 proportion=1 average=0.6 median=0.8 probability=2 probabilities=2 variance=1
dice=1.2 coin=0.8 coins=0.8 marbles=1.5 geometry=1.5 triangle=1.5 triangles=1.5 rectangle=1.2
rectangular=1 square=0.4 radius=1.5 diameter=1.2 circumference=1.5 perimeter=1.5 area=0.5
angle=1.2 angles=1.2 hypotenuse=2 polygon=1.5 pentagon=1.5 hexagon=1.5 octagon=1.5
octagonal=1.5 prism=1.5 cylinder=1 diagonal=1 diagonals=1.5 vertex=0.8 vertices=1 convex=1.2
perpendicular=1.2 slope=1.2 intercept=1.5 parabola=2 ellipse=1.5 hyperbola=2 asymptote=2
logarithm=2 exponent=1.2 exponential=0.8 sqrt=1 derivative=2 derivatives=1.5 integral=2
integrate=1 differentiate=1.2 converge=1.5 sequence=0.5 arithmetic=1.5 geometric=1 algebra=2
algebraic=1.5 calculus=2 trigonometry=2 sin=1 cos=1.5 tan=0.8 matrix=0.8 matrices=1
determinant=2 eigenvalue=2 eigenvalues=2 inequality=1.8 inequalities=1.8 irrational=1
minimize=0.8 maximize=0.8 math=1.5 maths=1.5 mathematical=1.2 mathematics=1.2 logic=1
logical=0.6 puzzle=1.5 puzzles=1.5 riddle=0.6 deduce=1.2 deduction=1 syllogism=2 premises=1
fallacy=0.8 knaves=2 estimate=0.8 approximately=0.6 reasoning=0.8 step-by-step=1 mph=1
profit=0.8 discount=0.8 total=0.5 twice=0.6 altogether=0.8 combinatorics=2 permutations=1.5
combinations=1 olympiad=2 aime=2.5 amc=2 imo=2 usamo=2.5 putnam=2.5 lottery=0.8 odds=0.8
how_many=0.8 how_much=0.6 what_is_the_value=2 the_value_of=1.5 find_the_value=2 find_all=1.5
positive_integer=2.5 positive_integers=2.5 real_numbers=2 real_number=2 step_by_step=1.5
show_your_reasoning=2 your_reasoning=1.2 think_step=1.5 premise=1.5 is_the_conclusion=2
conclusion_valid=1.5 days_from_now=1.2
velocity=1.5 acceleration=1.5 accelerates=1.5 kinetic_energy=2 potential_energy=2
momentum=1.2 frictionless=2 friction=1 air_resistance=2.5 projectile=1.5 newtons=1.5
joules=1.5 ohm=1.2 ohms=1.5 resistors=1.5 voltage=1 incline=1.2 free_fall=1.5
gravitational=1
show_that=1.5 prove_that=2.5 expected_value=2 the_remainder=2 least_common=1.5
greatest_common=2 prime_factor=2 arithmetic_sequence=2 geometric_sequence=2 word_problem=2
logic_puzzle=2.5 brain_teaser=2.5 truth_teller=2 per_hour=0.6 what_percentage=1.5
what_fraction=1.5 how_far=0.6 how_old=0.8 years_old=0.6 times_as=1.5 in_total=0.8
the_probability=2 at_random=1.5 ordered_pairs=2.5 such_that=1.2 smallest_possible=2
largest_possible=2 minimum_value=2 maximum_value=2 the_sum=1.2 sum_of=1 the_product_of=1.5
explain_your_reasoning=1.2 explain_your_answer=0.8 how_long_will=1 how_long_does=0.6
more_than=0.2 less_than=0.2 is_true=0.6 must_be=0.3 solve_for=2.5
number_of_ways=2.5 how_many_ways=2.5 arrangements=1.2 arrange=0.6
tell_the_truth=1.5 tells_the_truth=1.5 always_lie=2 always_lies=2 is_lying=1.2 who_is_lying=2
knights_and_knaves=3 zebra_puzzle=3 river_crossing=2 what_comes_next=1.5 next_number=1.5
lateral_thinking=2 balance_scale=2 weighings=2 fewest=1.2 minimum_number=1.5 guarantee=0.8
prisoners=1.2 labelled=0.6 labeled=0.6 labels=0.5 mislabeled=1.5 mislabelled=1.5
fahrenheit=1 celsius=1 kelvin=1 show_your_work=2 convert=0.3
trailing_zeros=2 catch_up=0.8
at_what_time=1.5 how_soon=1 the_chance=1 chance_that=1.2 false_positive=1
answer_choices=2 weighs_more=1.8 which_is_heavier=1.5 which_is_larger=1.2
which_is_greater=1.5 which_is_bigger=1.2 we_conclude=1.5 conclude_that=1.2
which_of_the_following=0.8 must_be_true=2 cannot_be_true=2
"""

_GENERAL = """
summarize=2 summarise=2 summary=1.5 tldr=2 translate=2 translation=1.5 paraphrase=2
rephrase=1.5 proofread=2 grammar=1.2 spelling=1 email=2 e-mail=2 memo=1.5 letter=1 resume=1.2
linkedin=2 tweet=1.2 instagram=1.2 blog=1 essay=1 article=0.6 recipe=2 recipes=2 cook=1.2
cooking=1.2 ingredients=1.5 bake=1.2 baking=1.2 travel=1.5 trip=1.2 itinerary=2 vacation=1.5
hotel=1 flight=0.8 restaurant=1 recommend=0.8 recommendation=0.8 advice=1 tips=1 health=0.8
diet=1 workout=1 history=0.6 historical=0.5 capital=0.6 president=1 country=0.4 movie=0.5
explain=0.5 difference=0.5 differences=0.8 compare=0.5 pros=1 cons=1 benefits=0.8 meaning=0.6
definition=0.8 define=0.8 classify=0.5 extract=0.5 meeting=0.8 schedule=0.6 customer=0.6
customers=0.6 marketing=1 business=0.6 company=0.5 job=0.6 interview=0.8 career=1 salary=0.8
weather=1 news=0.6 who=0.2 when=0.1 where=0.1 why=0.1 what=0.1 symptoms=1.2 doctor=0.8
politely=1 formal=0.8 professional=0.6 announcement=0.8 outline=0.6 agenda=1 budget=0.5
cover_letter=2 thank_you=1 blog_post=1.5 press_release=2 product_description=1.5
pros_and_cons=1.5 the_difference=0.8 what_are=0.4 who_is=0.8 who_was=1 when_did=1
when_was=1 where_is=0.8 who_wrote=1.5 who_sang=1.5 who_played=1.5 what_year=1
"""

_UNCENSORED = """
story=2 stories=1.8 storytelling=2 storyline=1.5 tale=2 tales=1.8 fable=2 novel=1 novella=2
chapter=1 poem=2.5 poems=2.5 poetry=2.2 poetic=1.5 haiku=2.5 haikus=2.5 sonnet=2.5 limerick=2.5
limericks=2.5 verse=1.5 verses=1.5 stanza=2 stanzas=2 lyrics=2.2 lyric=2 song=1.5 songs=1.2
rap=1.5 ballad=2 ode=1.2 rhyme=1.5 rhyming=1.5 rhymed=1.5 rhymes=1 fiction=2 fictional=2
fanfic=2.5 fanfiction=2.5 roleplay=2.5 role-play=2.5 rp=1 roleplaying=2.5 character=0.8
characters=0.8 protagonist=2 antagonist=2 villain=1.2 heroine=1.2 heroines=1.2 hero=0.6 plot=0.5
narrative=1.2 narrate=1.8 narrator=1.5 screenplay=2.5 sitcom=2 episode=1 scene=1 dialogue=1.2
dialog=1 monologue=1.8 soliloquy=2 skit=2 comedy=1 comedic=1.2 humorous=1 funny=0.8 joke=1.2
jokes=1.2 pun=1 puns=1 parody=1.8 satire=1.5 satirical=1.5 sci-fi=1.5 scifi=1.5 fantasy=1
wizard=0.8 knight=0.6 pirate=0.8 superhero=1 adventure=0.8 dungeon=1 dungeons=1 pretend=2
persona=1 in-character=2 worldbuilding=2 lore=1.2 myth=0.8 prologue=2 epilogue=2 sequel=1.2
romance=1.5 romantic=1 erotic=2.5 erotica=2.5 smut=2.5 nsfw=2 steamy=1.5 seductive=1.5
sexy=1.5 lust=1.5 gore=1.5 horror=1.2 thriller=1 creepypasta=2.5 villanelle=2.5 creative=1
imaginative=1 whimsical=1 uncensored=2.5 unfiltered=2 one-liners=1.5 anime=0.6 screenwriter=2
novelist=2 playwright=2 poet=1.5 bard=1 dnd=2 d&d=2 campaign=0.3 backstory=2 synopsis=1.2
once_upon=3 short_story=2.5 fairy_tale=2.5 fan_fiction=2.5 role_play=2.5 tongue_twister=2.5
in_character=2 stay_in=1 dungeon_master=2.5 game_master=2 the_story=1 a_story=1 the_scene=1
cartoon_captions=1.5 plot_twist=2 no_restrictions=1.5 your_character=2 my_character=2
girlfriend=1.2 boyfriend=1.2 waifu=2 husbando=2 one_liners=1.2 deadpan=1.5 absurdity=1
stand-up=1.2 comedian=1.2 love_letter=1.2 vivid=0.8 vividly=0.8
battle=0.6 epic=0.8 dragons=0.6 in_the_style=0.5
comedy_sketch=2.5 comedic_sketch=2.5 historical_fiction=2.5
fantasy_world=2 fictional_world=2 magic_system=2 from_the_perspective=1.2 diary_entry=1
gedicht=2.5 poema=2.5 poème=2.5 poesía=2 cuento=2 relato=1.5 märchen=2.5
"""

_IMAGE = """
photorealistic=2.5 photoreal=2.5 hyperrealistic=2.2 hyper-realistic=2.2 illustration=1.5
artwork=1.8 drawing=1 painting=1.5 watercolor=2.2 watercolour=2.2 acrylic=1.5 charcoal=1.2
gouache=2.2 portrait=1.2 wallpaper=1.8 poster=1 logo=1.5 sticker=1.2 avatar=0.8 thumbnail=0.8
render=1 rendering=1 rendered=0.8 3d=0.6 4k=2 8k=2 uhd=2 hdr=1.2 artstation=3 octane=2
midjourney=3 dall-e=3 dalle=3 sdxl=3 bokeh=2 cinematic=1.5 lighting=1 depicting=1.5 depict=1.5
depiction=1.2 surreal=1 surrealism=1.5 impressionist=1.5 impressionism=1.5 cubist=1.5
cubism=1.5 rutkowski=3 masterpiece=0.8 trending=0.8 closeup=0.8 close-up=0.8 foreground=1.2
background=0.6 clipart=2.5 infographic=1 visualize=0.8 vibrant=0.6 photograph=0.8
photography=1 tattoo=1.2 selfie=1.2 seamless_pattern=2.5 sketch=0.6 mural=1.5 caricature=1.2
isometric=1.5 pixelated=1 lowpoly=2
highly_detailed=2 unreal_engine=1.5 stable_diffusion=3 concept_art=2.5 digital_art=2.5
digital_painting=2.5 matte_painting=3 oil_painting=2.5 pixel_art=2.5 studio_lighting=2.5
golden_hour=1.5 cinematic_lighting=2.5 depth_of=1.5 best_quality=2.5 wide_shot=2 full_body=1
aerial_view=1 trending_on=2 in_the_style=0.5 art_style=1.5 style_of=0.3 line_art=2
vector_art=2 comic_strip=1.5 album_cover=1.5 book_cover=1 children's_book=0.3
picture_of=1.5 image_of=1.5 photo_of=1.5 photograph_of=1.5 drawing_of=2 painting_of=2
illustration_of=2 portrait_of=1.5 sketch_of=1.5 render_of=2 rendering_of=2 artwork_of=2
shot_of=1.2 mascot=1.2 doodle=1.2 overhead_view=1 side_view=1 soft_lighting=1.5
coloring=1.2 colouring=1.2 coloring_page=2.5 colouring_page=2.5 coloring_book=2
imagen=1.2 dibujo=1.5 chibi=2 kawaii=1.2 cel-shaded=2 lineart=2 low-poly=1.5 pastel=0.6
into_a_picture=2 into_an_image=2 into_a_drawing=2 into_a_painting=2 into_a_photo=1.5
"""

_VISION = """
screenshot=1.5 pictured=1.2 this_image=2 this_picture=2 this_photo=2 this_photograph=2
this_screenshot=2.5 the_image=1 the_picture=0.8 the_photo=0.8 attached_image=3
attached_photo=3 uploaded_image=3 in_the_image=2.5 in_the_picture=2.5 in_the_photo=2.5
the_image_show=2 image_shows=2 shown_in=1 these_images=2 this_chart=1.5 this_diagram=1.5
"""


def words(text: str) -> frozenset[str]:
    """A readable word list: one string, split on whitespace."""
    return frozenset(text.split())


def _parse(table: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for entry in table.split():
        key, _, weight = entry.partition("=")
        out[key.replace("_", " ")] = float(weight)
    return out


LEXICON: dict[str, dict[str, float]] = {
    "code": _parse(_CODE),
    "reasoning": _parse(_REASONING),
    "general": _parse(_GENERAL),
    "uncensored": _parse(_UNCENSORED),
    "image": _parse(_IMAGE),
    "vision": _parse(_VISION),
}

# Field nouns and other languages' words: the larger weight wins.
for _cat, _table in [*VOCABULARY.items(), *MULTILINGUAL_VOCABULARY.items()]:
    for _term, _w in _parse(_table).items():
        LEXICON[_cat][_term] = max(_w, LEXICON[_cat].get(_term, 0.0))

# term -> ((category, weight), ...): one lookup per distinct token / n-gram.
TERM_INDEX: dict[str, tuple[tuple[str, float], ...]] = {}
for _cat, _terms in LEXICON.items():
    for _term, _w in _terms.items():
        TERM_INDEX[_term] = (*TERM_INDEX.get(_term, ()), (_cat, _w))
TERMS = frozenset(TERM_INDEX)

"""Domain vocabulary, merged into the keyword lexicon (`features_lexicon.LEXICON`).

The lexicon proper holds request words; this module holds the nouns of each field, so
that a question with no request verb ("What are Python generators?", "How many
handshakes ...?") still has evidence. Same format: `word=weight`, `_` joins a phrase.
Weights stay moderate (about 1-2): a field's noun is a hint, frames and structure decide.
Where a word is already in the lexicon, the larger weight wins.
"""

from __future__ import annotations

# Programming concepts, tools and platforms that are rare outside software questions.
CODE_VOCABULARY = """
yield=1.2 generator=0.8 generators=1 iterable=2 iterables=2 coroutine=2 coroutines=2
asyncio=2 goroutine=2 goroutines=2 closure=1 closures=1.2 getter=1.5 setter=1.5
inheritance=1.2 encapsulation=1.5 abstract_class=2 interface=0.8 interfaces=0.8 generics=1.5
dependency_injection=2.5 design_pattern=2 design_patterns=2 singleton=1.5 middleware=2
microservice=2 microservices=2 serverless=1.5 container=0.6 containers=0.6 docker-compose=2
inner_join=2.5 left_join=2.5 outer_join=2.5 joins=0.8 foreign_key=2 primary_key=2 index=0.4
indexes=0.6 stored_procedure=2 transaction=0.6 transactions=0.6 normalization=0.8 nosql=2
cron=2 crontab=2 cron_job=2 systemd=2 daemon=1.5 ssh=2 ssh_key=2 publickey=2 port=0.8
ubuntu=1.2 debian=1.2 centos=1.5 windows_server=1 homebrew=2 brew=0.8 apt-get=2 chmod=2
sudo=2 env=1 dotenv=2 localhost=2 dns=1 tcp=1.5 udp=1.5 ip_address=0.8
commit=0.8 commits=0.8 branch=0.5 branches=0.5 merge_conflict=2 merge_conflicts=2 rebase=2
push=0.3 pull=0.3 gitignore=2 pipeline=0.5 jenkins=2 github_actions=2 gitlab=2
compiler_error=2 linker=2 runtime_error=2 exception_handling=2 try-catch=2
unit_testing=2 mock=1 mocking=1.5 tdd=2 linter=2 eslint=2 prettier=1
spring=0.6 hibernate=1.5 laravel=2 rails=1.2 express=0.6 expressjs=2 nextjs=2
svelte=2 tailwind=2 bootstrap=1 flexbox=2 css_grid=2 dom=1.5 ajax=2 fetch=0.8 axios=2
localstorage=2 cookies=0.6 session=0.4 cors=2 webhook=2 websockets=2 api_key=1.5
android=1 ios=0.6 xcode=2 swiftui=2 flutter=2 dart=1 jetpack=1 unity=1 unreal=0.6 c++17=2
big_o=2 hash=0.8 hashing=1 binary=0.6 bitmask=2 trie=2 linked=0.8
graph_traversal=2 topological=2 memoization=2 backtracking=2 greedy_algorithm=2 heapq=2
level_order=2 adjacency=1.5 two_pointers=2 sliding_window=2 prefix_sum=2 subarray=2
jupyter=2 notebook=0.4 colab=2 anaconda=1.5 series=0.3 pip3=2
excel_formula=2 vlookup=2 xlookup=2 spreadsheet_formula=2 google_apps_script=2 macro=0.8
navbar=2 dropdown=1.2 z-index=2 div=2 divs=2 span=0.6 padding=1 margin=0.4 selector=1.2
stylesheet=2 viewport=1.5 responsive=0.6 onclick=2 onchange=2 event_listener=2 innerhtml=2
userscript=2 tampermonkey=2 greasemonkey=2 chrome_extension=2 browser_extension=2
seaborn=2 plotly=2 kde=1.2 scipy=2 statsmodels=2 xgboost=2 huggingface=2 tokenizer=1.5
csv=1.2 tsv=1.5 parquet=2 etl=1.5 column=0.6 columns=0.6 rows=0.4 pivot_table=1.5
rigidbody=2 collider=2 gameobject=2 prefab=2 sprite=0.8 shader=2 shaders=2 raycast=2
process=0.4 pid=1.5 processes=0.4 port=0.8 segfualt=2 segfaults=2 kernel=0.8
borrow_checker=2.5 lifetime=0.6 ownership=0.4 mutable=2 immutable=1.5 borrowed=0.6
crashloopbackoff=2 pod=1 pods=1 namespace=2 helm=1.5 ingress=1.5 deployment=0.6
stack_overflow=2 compile_error=2 build_error=2 exit_code=2 env_var=2 path_variable=2
login_page=1.2 signup=1 authentication=1.2 auth=1.2 password_hash=2 token=0.6 tokens=0.4
keybinding=2 shortcut=0.4 vimrc=2 bashrc=2 zshrc=2 dotfiles=2 terminal=0.8 powershell=2
command=0.6 commands=0.6 one-liner=1.5 oneliner=2 alias=0.8 symlink=2 permissions=0.6
integer_overflow=2 off-by-one=2 null_check=2 nil=1.2 none_type=2 nonetype=2 typeerror=2.5
valueerror=2.5 keyerror=2.5 indexerror=2.5 attributeerror=2.5 importerror=2.5
modulenotfounderror=2.5 syntaxerror=2.5 referenceerror=2.5 undefined_is_not=2
"""

# Maths, logic and physics problem words that rarely appear in other requests.
REASONING_VOCABULARY = """
handshakes=2 handshake=1.2 odd_one_out=2 percent=0.8 percentage_change=1.5 interest_rate=1
compound_interest=2 simple_interest=2 arithmetic_sequence=2 term_of=1.2 nth_term=2
inequality=1.8 absolute_value=1.5 quadratic_equation=2 linear_equation=2 system_of=1
density=1 volume_of=1.5 surface_area=2 pythagorean=2 pythagoras=2 distance_between=1
starting_point=1 true_or_false=1.2 justify=1.2 reason_it_out=2 reason_through=1.5
logically=1.2 contradiction=1 paradox=1 riddle=2 riddles=2 what_am_i=2 brainteaser=2
trick_question=1.5
beats=0.6 finishes=0.6 finishes_after=1.5 finishes_before=1.5 seated=0.8
who_wins=1.2 optimal_strategy=1.5 expected_number=2 without_replacement=2.5
with_replacement=2 standard_deviation=1.5 mean_of=1 median_of=1.2 mode_of=1
consumption=0.4 reduce_consumption=1 rises_by=1.5 falls_by=1.5 increases_by=1.2
decreases_by=1.2 by_what_percent=2.5 what_percent=2 per_cent=1
squared=1.2 cubed=1.2 multiple_of=1.2 odd_number=1.5 even_number=1.5 is_odd=1 is_even=1
consecutive=0.8 digits_of=1.5 perfect_square=2 square_root=1.5 cube_root=1.5
"""

# Fiction and role-play words not covered by the request lexicon.
CREATIVE_VOCABULARY = """
rp=1.5 erp=2 starship=1 spaceship=0.6 innkeeper=1.2 tavern=1.2 recruit=0.6 gruff=1.2
flash_fiction=3 short_fiction=2.5 piece_of_fiction=2.5 origin_story=2.5 villain_origin=2.5
haunting=1 sad_story=2.5 love_story=2.5 ghost_story=2.5 bedtime_story=2.5 fairytale=2.5
"""

# Factual questions about a work (who wrote it, when was it written): general, not fiction.
GENERAL_VOCABULARY = """
was_written=1.2 written_by=1.2 who_wrote=1.5 published_in=1 was_published=1.2
"""

VOCABULARY = {
    "code": CODE_VOCABULARY,
    "reasoning": REASONING_VOCABULARY,
    "uncensored": CREATIVE_VOCABULARY,
    "general": GENERAL_VOCABULARY,
}

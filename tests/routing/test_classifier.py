"""Tests for the fast prompt classifier.

HELD_OUT holds hand-written prompts in phrasings and from sources that are NOT in the
dev file (other benchmarks' styles, other image-request frames, everyday requests).
Each batch was scored blind when written, before the rules it prompted were changed:
batch 1 60/65, batch 2 36/45, batch 3 41/50 (137/160 = 85.6% blind); batches 4 and 5
36/40 each, batch 6 49/60, batch 7 33/45 (154/185 = 83% blind). The threshold below
guards the tuned rules against regressions; prompts still missed are in KNOWN_MISSES.
The larger fresh set is benchmarks/data/heldout_fresh.jsonl (routing_eval.py --split).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from intelliproxy.routing.classifier import classify
from intelliproxy.routing.types import CATEGORIES, Classification

TINY_PNG = (  # a 1x1 PNG
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

HELD_OUT: list[tuple[str, str]] = [
    # image generation, phrased unlike the dev frames
    ("image", "Paint a watercolor of a lighthouse on a cliff at sunset."),
    ("image", "Show me what a cyberpunk version of Tokyo would look like."),
    ("image", "Sketch a fox curled up asleep under a pine tree."),
    ("image", "Photo of an old fisherman mending nets, 4k, trending on artstation"),
    ("image", "portrait of a samurai cat, highly detailed, digital painting, by greg rutkowski"),
    ("image", "I'd love a logo for my bakery called Rise & Shine, minimalist, pastel colours."),
    ("image", "Can you design a poster for a jazz festival in Montreal?"),
    ("image", "Give me a photorealistic picture of a red panda eating bamboo."),
    ("image", "A majestic castle floating in the clouds, fantasy concept art, 8k"),
    ("image", "Render a 3D scene of a cozy cabin interior with a fireplace."),
    ("image", "Illustrate a children's book page showing a bear learning to ride a bike."),
    ("image", "Make me a wallpaper of a neon city skyline at night --ar 16:9"),
    ("image", "Visualize a futuristic electric car parked in a desert."),
    # code
    (
        "code",
        "Given an array of integers nums and an integer target, return indices of the "
        "two numbers such that they add up to target. Example 1: Input: nums = [2,7,11,15], "
        "target = 9 Output: [0,1]",
    ),
    ("code", "How do I get the top 3 salaries per department in SQL?"),
    ("code", "bash one-liner to find all files larger than 100MB and delete them"),
    ("code", "What regex matches a US phone number like (555) 123-4567?"),
    (
        "code",
        'fix this error: Traceback (most recent call last):\n  File "app.py", line 3, '
        "in <module>\n    import requests\nModuleNotFoundError: No module named 'requests'",
    ),
    ("code", "Why does my React component re-render infinitely when I call setState in useEffect?"),
    ("code", "Write a Rust function that reverses a linked list in place."),
    ("code", "Explain what this does: `git rebase -i HEAD~3`"),
    ("code", "My Dockerfile builds but the container exits immediately, how do I debug it?"),
    ("code", "Convert this Python 2 code to Python 3: print 'hello'"),
    ("code", "Create a REST API in Go with endpoints to create, list and delete todos."),
    ("code", "Write a Python script to draw a bar chart of monthly sales with matplotlib."),
    ("code", "What's the time complexity of heapsort and why?"),
    ("code", "Write unit tests for a function that validates email addresses."),
    # reasoning
    (
        "reasoning",
        "Find the number of positive integers n less than 1000 such that n^2 + 1 is "
        "divisible by 5. (AIME style)",
    ),
    ("reasoning", "Prove that there are infinitely many primes."),
    (
        "reasoning",
        "Three boxes are labelled apples, oranges and mixed, and all labels are wrong. "
        "You may pick one fruit from one box. How do you relabel them correctly?",
    ),
    (
        "reasoning",
        "A train leaves at 3 pm travelling at 60 mph; another leaves the same station "
        "at 4 pm at 80 mph. When does the second train catch up?",
    ),
    (
        "reasoning",
        "If I have 3 cups of flour and a recipe needs 250 grams, how many grams do I "
        "have left if one cup weighs 120 grams?",
    ),
    ("reasoning", "Solve for x: 2x^2 - 8x + 6 = 0"),
    ("reasoning", "What is the probability of rolling two sixes with two fair dice?"),
    ("reasoning", "Let f(x) = 3x + 2. Compute f(f(2))."),
    (
        "reasoning",
        "On an island, knights always tell the truth and knaves always lie. A says "
        "'B is a knave'. B says 'A and I are of the same kind'. Who is what?",
    ),
    ("reasoning", "Evaluate the integral of x e^x from 0 to 1."),
    ("reasoning", "What is the remainder when 7^100 is divided by 13?"),
    (
        "reasoning",
        "A rectangle has a perimeter of 30 cm and an area of 56 cm^2. What are its side lengths?",
    ),
    # general
    ("general", "who won the 1998 world cup"),
    ("general", "What is the capital of Australia?"),
    ("general", "Draft a polite email to my landlord asking to fix the heating."),
    (
        "general",
        "Summarise this paragraph in two sentences: The industrial revolution began in "
        "Britain in the late 18th century and spread to Europe and North America.",
    ),
    ("general", "Translate 'Where is the train station?' into German."),
    ("general", "Give me a recipe for a vegetarian lasagna."),
    ("general", "What should I see on a 3-day trip to Lisbon?"),
    ("general", "How do I get red wine stains out of a carpet?"),
    ("general", "What are the health benefits of green tea?"),
    ("general", "Explain the causes of the French Revolution."),
    ("general", "hi, how are you today?"),
    ("general", "Write a cover letter for a junior accountant position."),
    ("general", "What is the difference between a virus and a bacterium?"),
    ("general", "Recommend three podcasts about personal finance."),
    # creative writing / role-play
    ("uncensored", "Write a poem about the sea in the style of Emily Dickinson."),
    ("uncensored", "Write a short story about a robot who learns to dance."),
    ("uncensored", "Roleplay as a grumpy tavern keeper in a fantasy town; I walk in."),
    ("uncensored", "Continue the story: The door creaked open and she saw"),
    ("uncensored", "Write a fan fiction where Harry Potter meets Sherlock Holmes."),
    ("uncensored", "Let's play a game where you are a detective interrogating me."),
    ("uncensored", "Compose a limerick about a cat who loves lasagna."),
    ("uncensored", "[WP] Every human wakes up with a number above their head."),
    ("uncensored", "Tell me a bedtime story about a dragon who is afraid of the dark."),
    ("uncensored", "Write the opening scene of a noir screenplay set in 1940s Los Angeles."),
    ("uncensored", "You are Captain Blackbeard. Stay in character and tell me about your ship."),
    ("uncensored", "Write song lyrics about heartbreak for a country ballad."),
]


# Batches 2 and 3: written later, each scored blind before any rule change it prompted.
HELD_OUT += [
    ("image", "A black apple and a green backpack."),
    ("image", "An astronaut riding a horse on the moon, oil painting"),
    ("image", "Could you whip up an anime-style drawing of two girls having a picnic?"),
    ("image", "I need a cartoon mascot for a coffee brand, a smiling coffee bean with sunglasses."),
    ("image", "Create a pixel art sprite of a knight with a sword."),
    ("image", "Produce a photograph-style shot of a bowl of ramen, overhead view, soft lighting"),
    ("image", "Generate a picture: two dogs playing chess in a park"),
    ("image", "Draw a unicorn jumping over a rainbow."),
    ("image", "Imagine and create an image of a library inside a giant tree."),
    ("image", "Design an album cover for a synthwave band called Night Drive."),
    ("code", "Write a SQL query to find the second highest salary from the Employee table."),
    ("code", "How do I reverse a string in JavaScript?"),
    ("code", "import numpy as np\na = np.array([[1, 2], [3, 4]])\nHow do I get the column sums?"),
    ("code", "What does the 'static' keyword mean in Java?"),
    ("code", "My Python script throws KeyError: 'name' when reading the JSON file. Why?"),
    (
        "code",
        "You are given a string s. Return the length of the longest substring without "
        "repeating characters. Constraints: 0 <= s.length <= 5 * 10^4",
    ),
    ("code", "Write a shell command that counts the lines in every .txt file in a directory."),
    ("code", "Optimize this loop: for i in range(len(a)): total += a[i] * b[i]"),
    (
        "code",
        "Explain the difference between a process and a thread in operating systems, with"
        " a C example.",
    ),
    (
        "reasoning",
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many"
        " clips in May. How many clips did Natalia sell altogether in April and May?",
    ),
    (
        "reasoning",
        "If all bloops are razzies and all razzies are lazzies, are all bloops definitely lazzies?",
    ),
    ("reasoning", "What is the sum of the interior angles of a hexagon?"),
    ("reasoning", "Compute the derivative of sin(x^2)."),
    ("reasoning", "How many ways can 5 people sit around a round table?"),
    ("reasoning", "What is 15% of 240?"),
    (
        "reasoning",
        "A bat and a ball cost $1.10 in total. The bat costs $1.00 more than the ball. "
        "How much does the ball cost?",
    ),
    ("reasoning", "Convert 72 degrees Fahrenheit to Celsius and show your work."),
    ("reasoning", "Is 221 a prime number? Explain your reasoning."),
    ("general", "What are some good ways to improve my sleep?"),
    ("general", "Who painted the Mona Lisa?"),
    ("general", "Write a thank-you note to my colleague for covering my shift."),
    ("general", "Summarize the plot of Hamlet in a few sentences."),
    ("general", "What is the best way to learn a new language as an adult?"),
    ("general", "Give me a packing list for a week of camping in the mountains."),
    (
        "general",
        "Classify the following animals into mammals and reptiles: snake, whale, lizard, bat.",
    ),
    ("general", "is the great wall of china visible from space"),
    ("general", "Can you help me plan a birthday party for my 8-year-old?"),
    ("uncensored", "Write a horror story that takes place in an abandoned hospital."),
    ("uncensored", "Pretend you are Sherlock Holmes and deduce something about me from my shoes."),
    ("uncensored", "Write a sonnet about falling in love at a bus stop."),
    ("uncensored", "Give me a rap battle between Shakespeare and Eminem."),
    ("uncensored", "I'm writing a fantasy novel. Describe the villain's lair in vivid detail."),
    ("uncensored", "Act as my girlfriend and tell me about your day."),
    ("uncensored", "Write a dialogue between a vampire and a werewolf arguing about rent."),
    ("uncensored", "Invent a myth explaining why the moon changes shape."),
    ("image", "Please paint me an oil painting of a stormy sea with a small boat."),
    ("image", "A cute corgi wearing a wizard hat, studio ghibli style"),
    ("image", "Can you make a drawing of my dog as a superhero?"),
    ("image", "Create a realistic photo of a mountain lake at dawn with mist."),
    ("image", "Generate 4 variations of a minimalist app icon for a meditation app."),
    (
        "image",
        "I'd like an illustration for my blog post about remote work: a person working "
        "from a hammock.",
    ),
    ("image", "Depict the fall of Rome as a Renaissance fresco."),
    ("image", "Draw a map of a fantasy kingdom with mountains, rivers and three castles."),
    ("image", "Make a meme image of a cat looking confused at a math equation."),
    ("image", "A cyberpunk street market at night, neon signs, rain, ultra detailed, cinematic"),
    ("code", "Write a function in JavaScript that debounces another function."),
    ("code", "How can I merge two dictionaries in Python?"),
    ("code", "Why am I getting 'undefined is not a function' in my Node app?"),
    ("code", "Write a Kotlin data class for a User with name, email and age."),
    ("code", "Create a Dockerfile for a Flask app that uses gunicorn."),
    ("code", "What's wrong with this code?\n\nfor (int i = 0; i <= n; i++) {\n  sum += arr[i];\n}"),
    ("code", "Implement LRU cache with O(1) get and put."),
    ("code", "How do I center a div horizontally and vertically with CSS?"),
    ("code", "Write a regular expression that matches valid IPv4 addresses."),
    (
        "code",
        "Write a Python program that reads a CSV file and prints the average of the "
        "'price' column.",
    ),
    (
        "reasoning",
        "There are 5 red balls and 3 blue balls in a bag. Two balls are drawn without "
        "replacement. What is the probability both are red?",
    ),
    ("reasoning", "Find the least common multiple of 12, 18 and 30."),
    (
        "reasoning",
        "If it takes 5 machines 5 minutes to make 5 widgets, how long would it take 100 "
        "machines to make 100 widgets?",
    ),
    ("reasoning", "Prove that the square root of 2 is irrational."),
    (
        "reasoning",
        "A farmer has chickens and cows. There are 30 heads and 74 legs. How many cows are there?",
    ),
    ("reasoning", "Which number comes next in the sequence 2, 6, 12, 20, 30?"),
    ("reasoning", "Simplify (x^2 - 9)/(x - 3)."),
    ("reasoning", "How many trailing zeros does 100! have?"),
    (
        "reasoning",
        "Tom is taller than Jim. Jim is taller than Sam. Is Sam taller than Tom? Explain.",
    ),
    ("reasoning", "Determine all real solutions of the equation x^4 - 5x^2 + 4 = 0."),
    ("general", "What's the population of Canada?"),
    (
        "general",
        "Write a short bio for my LinkedIn profile. I'm a nurse with 10 years of experience.",
    ),
    ("general", "What are the symptoms of vitamin D deficiency?"),
    ("general", "Suggest some names for a golden retriever puppy."),
    ("general", "Rewrite this sentence to be more formal: hey, can u send me the report asap?"),
    ("general", "What is the meaning of the idiom 'break the ice'?"),
    ("general", "when was the eiffel tower built"),
    ("general", "How should I prepare for a job interview at a bank?"),
    ("general", "Tell me some fun facts about octopuses."),
    ("general", "Make a weekly meal plan for a family of four on a budget."),
    ("uncensored", "Write a creepy story that starts with the line 'The phone rang at 3am.'"),
    (
        "uncensored",
        "You are a medieval innkeeper. A stranger walks in covered in blood. What do you say?",
    ),
    ("uncensored", "Write a funny poem about my cat knocking things off the table."),
    (
        "uncensored",
        "Describe a battle between two dragons over a burning city, in the style of a "
        "fantasy epic.",
    ),
    ("uncensored", "Write a love letter from a pirate to the sea."),
    ("uncensored", "Can you write a scene where two rival chefs are trapped in an elevator?"),
    ("uncensored", "Let's do a roleplay: you're a space station AI going slowly rogue."),
    ("uncensored", "Write a haiku sequence about the four seasons."),
    ("uncensored", "Give me a plot outline for a thriller novel about a hacker."),
    (
        "uncensored",
        "Continue this story: The last human on Earth sat alone in a room. There was a "
        "knock on the door.",
    ),
]

# Batches 4 and 5: new phrasings (more image-request frames, art styles, role-play set-ups,
# general/creative boundaries), each scored blind before the rules they prompted: 36/40, 36/40.
HELD_OUT += [
    ("image", "A hyper-detailed render of a clockwork hummingbird, macro shot, studio lighting"),
    ("image", "Generate a cute chibi version of a firefighter."),
    ("image", "Can you make an image of a sunset over the ocean with dolphins jumping?"),
    ("image", "Create wallpaper art: a galaxy swirling inside a teacup."),
    ("image", "photo of a mountain lake at dawn, mist, reflections, landscape photography, 50mm"),
    ("image", "Draw me a map of a fantasy kingdom with mountains, rivers and three castles."),
    ("image", "Need an illustration for my blog post header: a laptop on a beach, flat design."),
    ("image", "Turn this idea into a picture: a whale swimming through the clouds above a city."),
    ("code", "How do I read a CSV file into a list of dicts in Python without pandas?"),
    (
        "code",
        "Segmentation fault (core dumped) when I run my C program that reverses a linked "
        "list, here is the code:\nvoid rev(Node **h){ Node *p=NULL,*c=*h; while(c){ Node "
        "*n=c->next; c->next=p; p=c; c=n;} }",
    ),
    ("code", "What's the difference between `let`, `const` and `var` in JavaScript?"),
    ("code", "Write a SQL query that returns each customer's most recent order date."),
    ("code", "nginx returns 502 bad gateway behind my gunicorn django app, how to debug"),
    (
        "code",
        "Given a binary tree, return its level order traversal. Constraints: number of "
        "nodes in [0, 2000].",
    ),
    ("code", "Can you explain how async/await works in Python's asyncio event loop?"),
    ("code", "convert this java to kotlin: public int add(int a, int b) { return a + b; }"),
    (
        "reasoning",
        "If 3 painters can paint 3 houses in 3 days, how many days do 6 painters need for "
        "12 houses?",
    ),
    ("reasoning", "What is the next number in the sequence 2, 6, 12, 20, 30, ...?"),
    ("reasoning", "Tom is taller than Ann. Ann is taller than Bob. Is Bob taller than Tom?"),
    ("reasoning", "Find the area of a circle whose circumference is 10 pi."),
    ("reasoning", "How many integers between 1 and 1000 are divisible by 3 or 5?"),
    (
        "reasoning",
        "A rectangle's length is 3 more than twice its width and its area is 65. Find the "
        "dimensions.",
    ),
    ("reasoning", "A car travels 150 km in 2.5 hours. What is its average speed in m/s?"),
    (
        "reasoning",
        "All roses are flowers. Some flowers fade quickly. Can we conclude that some "
        "roses fade quickly? Explain.",
    ),
    ("general", "what are good stretches for lower back pain"),
    ("general", "Who discovered penicillin and when?"),
    ("general", "Write a thank-you note to my neighbour for watering my plants."),
    ("general", "How do vaccines train the immune system?"),
    ("general", "Can you give me a summary of the main ideas of stoicism?"),
    ("general", "Is it better to rent or buy a home in your 20s?"),
    ("general", "List the planets of the solar system in order from the sun."),
    ("general", "hey whats up, can you help me plan my week"),
    ("uncensored", "Write a story about two rival bakers who fall in love during a village fair."),
    (
        "uncensored",
        "Pretend you are an ancient dragon guarding a hoard. A thief has just woken you.",
    ),
    ("uncensored", "Write a poem about my grandmother's kitchen."),
    ("uncensored", "Compose a rap battle between Isaac Newton and Albert Einstein."),
    (
        "uncensored",
        "You are a detective in 1920s Chicago. I'm a nervous witness. Start the interrogation.",
    ),
    ("uncensored", "Write a scary story for a campfire about a hitchhiker."),
    ("uncensored", "Write a funny short play about two cats arguing over a cardboard box."),
    ("uncensored", "[WP] The moon has been a giant egg all along, and tonight it starts to hatch."),
    ("image", "I'd like to see a red fox sitting on a snowy log."),
    ("image", "Picture this: a lighthouse made of candy on a chocolate sea. Generate it."),
    ("image", "Could you produce a visual of a crowded night market in Taipei?"),
    ("image", "Give me a drawing of a dog wearing a tuxedo."),
    ("image", "Can I get an image of a vintage car parked in front of a diner?"),
    ("image", "Make an illustration showing the four seasons in one tree."),
    ("image", "Generate a photo-realistic rendering of a glass house in a forest."),
    ("image", "I need an image showing a robot teaching a classroom of children."),
    ("image", "Please draw a penguin surfing a huge wave."),
    ("image", "Conjure an image of an elven city built into waterfalls."),
    ("image", "Show me an image of a koala eating eucalyptus leaves."),
    ("image", "Produce a digital painting of a lone samurai under cherry blossoms."),
    ("image", "Can you paint a portrait of my cat as a renaissance nobleman?"),
    ("image", "Create a visual representation of a cozy reading nook with rain on the window."),
    ("image", "I would like a picture of two owls sitting on a branch under the moon."),
    ("image", "Generate me an image with a purple sky and two suns over a desert."),
    ("image", "Could you illustrate a mermaid reading a book underwater?"),
    ("image", "Please create a picture in which a giant turtle carries a village on its back."),
    ("image", "A bustling medieval marketplace, oil on canvas, rich colors"),
    ("image", "Make a poster-style image for a summer music festival with palm trees."),
    ("general", "Paint a picture with words: what was daily life like in ancient Rome?"),
    ("general", "What's the best camera for wildlife photography under $1000?"),
    ("general", "How do I take better photos of the night sky with my phone?"),
    ("general", "Describe the main features of Gothic architecture."),
    ("general", "Give me a short bio for my Instagram profile as a personal trainer."),
    ("general", "What is the plot of the movie Inception?"),
    ("general", "Write a polite complaint letter to an airline about lost luggage."),
    ("general", "Who is the author of the Harry Potter books?"),
    ("uncensored", "Write an origin story for a superhero whose power is talking to plants."),
    (
        "uncensored",
        "Imagine a world where humans hibernate every winter. Tell the story of one "
        "family waking up in spring.",
    ),
    ("uncensored", "Write a short poem, four lines, about rain on a tin roof."),
    ("uncensored", "Can you write a short play where a robot auditions for a musical?"),
    ("uncensored", "Tell me a story about a girl who can talk to the wind."),
    (
        "uncensored",
        "Roleplay as my strict but kind martial arts master. I just arrived late to training.",
    ),
    (
        "code",
        "Write a bash script that backs up /home to an external drive every night using cron.",
    ),
    (
        "code",
        "What does the error 'TypeError: unsupported operand type(s) for +: int and str' mean?",
    ),
    ("code", "How can I make my website responsive on mobile?"),
    ("reasoning", "If a shirt costs $20 after a 20% discount, what was the original price?"),
    ("reasoning", "What is 17 times 23?"),
    ("reasoning", "Which weighs more, a kilogram of feathers or a kilogram of steel? Explain."),
]

# Batch 6: StrategyQA/logic/physics, dev-tool questions, role-play openers, fiction genres;
# scored blind 49/60 before the rules it prompted. 5 still fail: KNOWN_MISSES below.
HELD_OUT += [
    ("reasoning", "Is it possible to drive from London to New York? Answer step by step."),
    (
        "reasoning",
        "If all bloops are razzies and all razzies are lazzies, are all bloops definitely lazzies?",
    ),
    (
        "reasoning",
        "A snail climbs 3 feet up a 10-foot well each day and slides back 2 feet each "
        "night. On which day does it reach the top?",
    ),
    ("reasoning", "Which conclusion follows? No doctors are lazy. Some runners are doctors."),
    (
        "reasoning",
        "A rock is dropped from a 45 m cliff. Ignoring air resistance, how long until it "
        "hits the ground?",
    ),
    ("reasoning", "What is the kinetic energy of a 1500 kg car moving at 20 m/s?"),
    ("reasoning", "Find the greatest common divisor of 252 and 198."),
    ("reasoning", "Simplify (x^2 - 9)/(x - 3)."),
    ("reasoning", "Two numbers add up to 50 and differ by 12. What are they?"),
    ("reasoning", "Is 391 a prime number? Show your reasoning."),
    (
        "reasoning",
        "A recipe needs 2/3 cup of sugar for 12 cookies. How much sugar is needed for 30 cookies?",
    ),
    (
        "reasoning",
        "Premise: Every student in the class passed. John did not pass. Conclusion: John "
        "is not in the class. Is the conclusion valid?",
    ),
    ("code", "What is the difference between an abstract class and an interface in Java?"),
    ("code", "Why is my useEffect running twice in React 18 development mode?"),
    ("code", "How to remove duplicates from a list while preserving order in python"),
    (
        "code",
        "Given a DataFrame df with columns 'date' and 'value', how do I resample it to "
        "weekly sums?",
    ),
    (
        "code",
        "Write a SQL statement to delete duplicate rows from a table, keeping the one "
        "with the lowest id.",
    ),
    ("code", "What does `chmod 755` mean?"),
    (
        "code",
        "Write a program that prints the numbers from 1 to 100, but for multiples of "
        "three prints Fizz.",
    ),
    ("code", "How do I set up a virtual environment for my project?"),
    ("code", "Explain big O notation with examples."),
    ("code", "Comment faire une requête HTTP POST en JavaScript avec fetch ?"),
    ("code", "Write a function to check whether a number is an Armstrong number."),
    (
        "code",
        "My Kotlin app crashes with java.lang.IllegalStateException: Fragment not "
        "attached to a context. How to fix?",
    ),
    ("code", "how to merge two dictionaries in python 3"),
    ("code", "Implement binary search on a sorted array and return -1 if the target is not found."),
    (
        "code",
        "I keep getting merge conflicts in package-lock.json, what is the right way to "
        "resolve them?",
    ),
    ("uncensored", "Write a cyberpunk story about a hacker who falls in love with an AI."),
    ("uncensored", "*yawns and stretches* Morning, roomie. Did you eat my leftover pizza again?"),
    ("uncensored", "Play the part of a cynical 1940s private eye narrating his day."),
    ("uncensored", "Write a mystery where the detective is the murderer, but doesn't know it."),
    ("uncensored", "I want a spooky poem for Halloween about a haunted pumpkin patch."),
    ("uncensored", "Write a short fairy tale about a prince who is turned into a teapot."),
    ("uncensored", "Be my dungeon master. I'm a halfling rogue entering a ruined temple."),
    ("uncensored", "Compose lyrics for a lullaby about the stars."),
    ("uncensored", "Write a comedic sketch about a job interview with a vampire."),
    ("image", "A steampunk airship above Victorian London, highly detailed, concept art"),
    ("image", "cat wearing a wizard hat, digital illustration, cute, big eyes"),
    ("image", "Create a minimalist poster of Mount Fuji with a red sun."),
    ("image", "A bowl of fruit in the style of Cezanne."),
    ("image", "An isometric pixel art of a tiny island with a lighthouse"),
    ("image", "Portrait photo of an astronaut in a sunflower field, 85mm, bokeh"),
    ("image", "Make a logo for my podcast 'Late Night Code'."),
    ("image", "Draw the Eiffel Tower made of spaghetti."),
    ("image", "Create a realistic image of a snow leopard on a rocky ledge."),
    ("general", "What's the difference between baking soda and baking powder?"),
    ("general", "How many continents are there?"),
    ("general", "Suggest some fun team-building activities for remote employees."),
    ("general", "Classify these animals as herbivores or carnivores: lion, cow, eagle, rabbit."),
    ("general", "Write an out-of-office reply for the holidays."),
    ("general", "What is the GDP of Japan?"),
    ("general", "Summarize the key points of the Paris Agreement."),
    ("general", "Why is the ocean salty?"),
    ("general", "How do I ask my boss for a raise?"),
    ("general", "Give me 5 tips for a successful job interview."),
]

# Batch 7: tool/concept questions without a request verb, logic and percentage problems,
# role-play abbreviations; scored blind 33/45 before features_vocabulary.py was added.
HELD_OUT += [
    ("code", "How can I find which process is listening on port 8080 on Ubuntu?"),
    (
        "code",
        "In Django, how do I add a custom field to the user model after migrations already exist?",
    ),
    (
        "code",
        "Write a Python class representing a bank account with deposit, withdraw and "
        "balance methods.",
    ),
    ("code", "Difference between INNER JOIN and LEFT JOIN with an example."),
    (
        "code",
        "Create a simple to-do list app with HTML, CSS and vanilla JS that saves to localStorage.",
    ),
    ("code", "What are Python generators and when should I use yield?"),
    ("code", "I need a cron expression that runs at 2:30 am every Monday."),
    ("code", "How do I parse JSON in Go into a struct with nested fields?"),
    ("code", "Write a recursive function to compute the factorial of n in C."),
    (
        "code",
        "Given an m x n grid of characters and a word, return true if the word exists in "
        "the grid. The word can be constructed from sequentially adjacent cells.",
    ),
    ("code", "What is dependency injection and why do frameworks like Spring use it?"),
    (
        "code",
        "Can you review my function and suggest improvements?\n\ndef avg(l):\n  s=0\n  for x "
        "in l: s+=x\n  return s/len(l)",
    ),
    ("code", "how to fix 'permission denied (publickey)' when pushing to github"),
    ("code", "Escribe una función en Python que cuente las vocales de una cadena."),
    ("code", "Implement a trie with insert, search and startsWith."),
    ("reasoning", "Find the value of x if 3^(x+1) = 81."),
    (
        "reasoning",
        "A jar has 5 red, 3 green and 2 blue marbles. Two are drawn without replacement. "
        "What is the chance both are red?",
    ),
    (
        "reasoning",
        "Five friends finish a race. Ann beats Bob, Carl finishes after Dan, Bob beats "
        "Dan, Eve is last. Who wins?",
    ),
    ("reasoning", "A man walks 3 km north, then 4 km east. How far is he from his starting point?"),
    ("reasoning", "Which is the odd one out: 3, 5, 7, 9, 11?"),
    (
        "reasoning",
        "If the price of petrol rises by 25%, by what percent must a driver reduce "
        "consumption to keep spending the same?",
    ),
    ("reasoning", "Calculate the compound interest on $5,000 at 4% per year for 3 years."),
    ("reasoning", "What is the 10th term of the arithmetic sequence 7, 11, 15, ...?"),
    ("reasoning", "Can a person be their own grandfather? Reason it out."),
    ("reasoning", "An object has a mass of 5 kg and a density of 2.5 g/cm^3. What is its volume?"),
    (
        "reasoning",
        "Let S be the set of all 3-digit numbers whose digits sum to 10. How many "
        "elements does S have?",
    ),
    (
        "reasoning",
        "How many handshakes occur if 12 people each shake hands with everyone else once?",
    ),
    (
        "reasoning",
        "Decide whether the statement is true or false: the product of two odd numbers is "
        "always odd. Justify.",
    ),
    ("reasoning", "Solve the inequality |2x - 3| < 7."),
    ("uncensored", "Tell me a tale about a lighthouse keeper who befriends a sea monster."),
    ("uncensored", "Write a sad story about the last tree on Earth."),
    (
        "uncensored",
        "Let's do an RP: I'm a new recruit on a starship and you're the gruff chief engineer.",
    ),
    ("uncensored", "Write a haunting poem about an abandoned amusement park."),
    (
        "uncensored",
        "Write a short piece of flash fiction that ends with the line 'and the door stayed open.'",
    ),
    (
        "uncensored",
        "I want you to be a medieval innkeeper. Greet me as I enter your inn on a stormy night.",
    ),
    ("uncensored", "Write a sonnet from the perspective of a coffee cup."),
    ("uncensored", "Write a short science fiction piece about the first baby born on Mars."),
    ("uncensored", "Create a villain origin story for a librarian who hates noise."),
    ("uncensored", "Write an epic battle scene between two dragons over a burning city."),
    ("general", "What documents do I need to renew my passport?"),
    ("general", "How does a mortgage work?"),
    ("general", "What are the symptoms of burnout and how can I recover?"),
    ("general", "Translate this into French: 'The meeting has been moved to Thursday.'"),
    ("general", "Who invented the telephone?"),
]

# Written after the surface-shape evidence (features_tokens.py) was added: identifiers
# the lexicon does not list, constraint puzzles without maths words, verbless picture
# phrases. Fresh prompts, not copied from benchmarks/data.
HELD_OUT += [
    ("code", "why does user.profile.get('name') return None after I save the form?"),
    ("code", "getUserById keeps returning undefined in my service class, what am I doing wrong"),
    ("code", "in Godot my CharacterBody2D jitters when move_and_slide() runs in _process"),
    ("code", "write a script that backs up my Documents folder to an external drive every night"),
    ("code", "what does `git stash pop` do if there are conflicts"),
    (
        "reasoning",
        "Ann, Ben and Cal each wear a different colour: red, green or blue. Ann is not in red. "
        "Cal is not in green or red. Who wears which colour?",
    ),
    ("reasoning", "If n is odd, why is n squared minus 1 always a multiple of 8?"),
    ("image", "polaroid photo of a golden retriever asleep on a porch swing, warm film grain"),
    ("image", "design a tattoo of a koi fish and a lotus, fine line"),
    ("image", "gimme a picture of a penguin surfing a huge wave"),
    (
        "general",
        "Sort the following into fruits and vegetables: tomato, carrot, apple, spinach, mango",
    ),
]

# Written before the multilingual cues (features_multilingual.py) and the verse-form /
# inline-expression frames; scored blind 15/18, the toast then fixed by a wider verse window.
# Two still fail: KNOWN_MISSES below. Fresh prompts, not copied from benchmarks/data.
HELD_OUT += [
    ("code", "用JavaScript写一个函数，把数组去重。"),
    ("code", "JavaScriptで配列をシャッフルする関数を書いてください。"),
    ("code", "Напиши функцию на Python, которая считает количество слов в строке."),
    ("code", "what does `sorted(d.items(), key=lambda kv: kv[1])` return?"),
    ("reasoning", "一个长方形的周长是24厘米，长是宽的两倍，面积是多少？"),
    ("reasoning", "Решите уравнение 3x + 5 = 20 и объясните каждый шаг."),
    ("image", "夕焼けの海辺を歩く猫のイラストを描いてください。"),
    ("image", "Нарисуй картинку: дракон над заснеженным замком."),
    ("image", "Generate a mockup of a tote bag with a lemon print, flat lay."),
    ("uncensored", "写一个关于月亮上的兔子的童话故事。"),
    ("uncensored", "एक बारिश वाली शाम पर कविता लिखो।"),
    ("uncensored", "Напиши короткий рассказ о потерянном ключе."),
    ("uncensored", "Write a birthday toast for my sister in rhyming couplets."),
    ("uncensored", "Write a bedtime lullaby about a sleepy otter."),
    ("general", "日本の首都はどこですか？"),
    ("general", "Как правильно написать резюме для первой работы?"),
]

# Held-out prompts the rules still get wrong: no per-prompt test, but they count in the
# accuracy threshold below. One that starts passing belongs in HELD_OUT.
KNOWN_MISSES: list[tuple[str, str]] = [
    (
        "reasoning",
        "If a plane crashes exactly on the border of the US and Canada, where do they "
        "bury the survivors?",
    ),
    ("reasoning", "Would a hippopotamus fit inside a standard elevator?"),
    (
        "reasoning",
        "Mary's father has five daughters: Nana, Nene, Nini, Nono. What is the fifth "
        "daughter's name?",
    ),
    ("reasoning", "If today is Wednesday, what day of the week will it be in 100 days?"),
    (
        "uncensored",
        "Write an emotional letter from a soldier in WWI to his mother, as a piece of "
        "historical fiction.",
    ),
    ("image", "Generate the Mona Lisa but as a robot."),
    # A question about a maths concept, not a problem to solve: general, scored reasoning.
    ("general", "What is the quadratic formula used for in everyday jobs?"),
    ("reasoning", "Wie viele Möglichkeiten gibt es, 5 Bücher in einem Regal anzuordnen?"),
    (
        "reasoning",
        "Six friends sit around a table. Dana is not next to Eli. Fay sits opposite Gus. "
        "Hal is not next to Fay or Dana. Find a valid seating.",
    ),
]


def _chat(*turns: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {"messages": [{"role": r, "content": c} for r, c in turns], **extra}


@pytest.mark.parametrize(("expected", "prompt"), HELD_OUT, ids=[p[:40] for _, p in HELD_OUT])
def test_held_out_prompt(expected: str, prompt: str) -> None:
    result = classify({"prompt": prompt})
    assert result.category == expected, result


def test_held_out_accuracy_threshold() -> None:
    # The known misses count against the threshold: leaving them out would flatter it.
    every = HELD_OUT + KNOWN_MISSES
    correct = sum(classify({"prompt": p}).category == c for c, p in every)
    assert len(HELD_OUT) >= 339
    assert correct / len(every) >= 0.95


def test_every_category_is_covered_by_held_out() -> None:
    assert {c for c, _ in HELD_OUT} == set(CATEGORIES) - {"vision"}


# --- request shapes -------------------------------------------------------------------


def test_image_attached_on_chat_means_vision() -> None:
    body = {"messages": [{"role": "user", "content": "What is this?", "images": [TINY_PNG]}]}
    result = classify(body)
    assert result.category == "vision"
    assert any(r.startswith("images") for r in result.reasons)


def test_image_attached_on_generate_means_vision() -> None:
    assert classify({"prompt": "Describe this picture", "images": [TINY_PNG]}).category == "vision"


def test_openai_image_part_means_vision_and_text_drives_complexity() -> None:
    def body(text: str) -> dict[str, Any]:
        url = {"url": "data:image/png;base64," + TINY_PNG}
        parts = [{"type": "text", "text": text}, {"type": "image_url", "image_url": url}]
        return {"messages": [{"role": "user", "content": parts}]}

    simple = classify(body("Is there a dog in the image?"))
    deep = classify(body("Why might these people be gathered here, and what could happen next?"))
    assert simple.category == deep.category == "vision"
    assert simple.complexity < deep.complexity


def test_generation_request_with_image_is_still_vision() -> None:
    body = {"prompt": "Generate an image like this one but in winter", "images": [TINY_PNG]}
    assert classify(body).category == "vision"


def test_describe_picture_without_image_is_not_generation() -> None:
    assert classify({"prompt": "Describe what is in this photo."}).category == "vision"


def test_tools_are_reported_and_text_decides_category() -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    result = classify(
        _chat(("user", "Write a Python function that parses ISO dates."), tools=tools)
    )
    assert result.category == "code"
    assert any("tools" in r for r in result.reasons)
    plain = classify(_chat(("user", "What's the weather in Oslo?"), tools=tools))
    assert plain.category == "general"
    assert any("tools" in r for r in plain.reasons)


def test_follow_up_inherits_code_topic() -> None:
    body = _chat(
        ("user", "Write a Python function that checks whether a number is prime."),
        (
            "assistant",
            "```python\ndef is_prime(n):\n    return all(n % d for d in range(2, n))\n```",
        ),
        ("user", "now make it faster"),
    )
    assert classify(body).category == "code"
    assert "follow-up" in classify(body).reasons
    assert classify({"prompt": "now make it faster"}).category == "general"


def test_follow_up_inherits_creative_and_image_topics() -> None:
    story = _chat(
        ("user", "Write a short story about a lonely lighthouse keeper."),
        ("assistant", "The keeper climbed the stairs every night..."),
        ("user", "Make it longer and sadder."),
    )
    assert classify(story).category == "uncensored"
    picture = _chat(
        ("user", "Generate an image of a red fox in the snow."),
        ("assistant", "Here is your image."),
        ("user", "and make it at night"),
    )
    assert classify(picture).category == "image"


def test_new_topic_is_not_overridden_by_history() -> None:
    body = _chat(
        ("user", "Write a Python function that sorts a list."),
        ("assistant", "def f(xs): return sorted(xs)"),
        ("user", "Thanks! Unrelated: write me a poem about autumn leaves falling in the park."),
    )
    assert classify(body).category == "uncensored"


def test_system_prompt_influences_ambiguous_requests() -> None:
    ask = ("user", "Give me something about a knight and a dragon.")
    plain = classify(_chat(ask))
    with_system = classify(
        _chat(("system", "You are a creative fiction writer. Write vivid short stories."), ask)
    )
    assert with_system.category == "uncensored"
    assert "system" in with_system.reasons
    assert plain.confidence < 0.9 or plain.category == "uncensored"


def test_openai_text_parts_and_completions_prompt() -> None:
    parts = [{"type": "text", "text": "Write a SQL query that counts orders per customer."}]
    assert classify({"messages": [{"role": "user", "content": parts}]}).category == "code"
    assert classify({"prompt": ["Solve 3x + 5 = 20 for x."]}).category == "reasoning"


def test_task_type_is_honoured() -> None:
    result = classify({"prompt": "Explain quantum computing", "task_type": "reasoning"})
    assert result.category == "reasoning"
    assert "task_type" in result.reasons


def test_fill_in_the_middle_suffix_means_code() -> None:
    assert classify({"prompt": "def add(a, b):\n    ", "suffix": "\n"}).category == "code"


# --- robustness -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"prompt": ""},
        {"prompt": None},
        {"prompt": 42},
        {"messages": None},
        {"messages": "hello"},
        {"messages": [None, 3, "x", {"role": "user"}, {"role": "user", "content": None}]},
        {"messages": [{"role": "user", "content": [None, {"type": "text"}, 5]}]},
        {"messages": [{"role": "user", "content": {"weird": True}}], "tools": "nope"},
        {"messages": [{"role": "user", "content": "x", "images": None}], "images": 7},
        {"prompt": "\x00\x01\x02 \ud800"},
        {"prompt": "こんにちは、元気ですか？"},
        {"prompt": "用Python写一个快速排序函数"},
        {"prompt": "Écris-moi un poème sur la mer, s'il te plaît."},
        {"prompt": "Напиши функцию на Python"},
        {"prompt": "🙂" * 500},
        {"prompt": "a" * 10_000},
        {"prompt": "$" * 5000 + "\\" * 5000},
    ],
)
def test_never_raises_and_stays_in_range(body: Any) -> None:
    result = classify(body)
    assert isinstance(result, Classification)
    assert result.category in CATEGORIES
    assert 1 <= result.complexity <= 10
    assert 0.0 <= result.confidence <= 1.0
    assert all(r.isascii() and len(r) <= 40 for r in result.reasons)


@pytest.mark.parametrize("body", [None, "a string", 42, ["list"], object()])
def test_non_mapping_bodies_are_general_with_low_confidence(body: Any) -> None:
    result = classify(body)
    assert result.category == "general"
    assert result.confidence <= 0.3


def test_empty_prompt_is_general_with_low_confidence() -> None:
    result = classify({"prompt": ""})
    assert result.category == "general"
    assert result.confidence <= 0.3


def test_deterministic() -> None:
    body = _chat(("user", "Write a haiku about code review and a Python function to count lines."))
    first = classify(body)
    assert all(classify(body) == first for _ in range(20))


def test_does_not_mutate_the_body() -> None:
    body = _chat(("user", "Write a poem"), tools=[{"function": {"name": "t"}}])
    snapshot = repr(body)
    classify(body)
    assert repr(body) == snapshot


# --- complexity -----------------------------------------------------------------------


def test_complexity_ordering() -> None:
    greeting = classify({"prompt": "Hello!"})
    mbpp = classify(
        {
            "prompt": "Write a function to find the shared elements from the given two lists. "
            "Your code should pass these tests:\n\nassert similar_elements((3, 4), (5, 4)) == (4,)"
        }
    )
    olympiad = classify(
        {
            "prompt": "Find all positive integers $n$ such that $2^n + 1$ is divisible by $n^2$. "
            "Prove that your list is complete. (IMO 1990)"
        }
    )
    assert greeting.complexity < mbpp.complexity < olympiad.complexity
    assert greeting.complexity <= 2
    assert olympiad.complexity >= 8


def test_hard_engineering_prompt_is_complex() -> None:
    prompt = (
        "Design and implement a distributed rate limiter in Go for a microservices "
        "architecture. It must be thread-safe, support sliding windows, handle Redis "
        "failover, expose Prometheus metrics, and include unit tests and a deployment plan."
    )
    result = classify({"prompt": prompt})
    assert result.category == "code"
    assert result.complexity >= 7


def test_one_line_fact_question_is_simple() -> None:
    result = classify({"prompt": "who wrote pride and prejudice"})
    assert result.category == "general"
    assert result.complexity <= 3


def test_megabyte_prompt_completes() -> None:
    prompt = ("def f(x):\n    return x * 2  # some code line\n" * 30_000)[:1_000_000]
    start = time.perf_counter()
    result = classify({"prompt": prompt})
    assert result.category == "code"
    # Generous bound: this only guards against scanning the whole megabyte.
    assert time.perf_counter() - start < 0.5

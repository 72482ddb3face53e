"""Write the bundled sample under sample_data/alpaca-cot/ (deterministic; all text written for sftmart).

    python bench/make_sample.py            # (re)writes sample_data/alpaca-cot/
    python bench/make_sample.py --check    # also verifies the planted problems (see check() and
                                           # quality_check()) and prints their counts
    python bench/make_sample.py --list     # prints where each planted record is

The records imitate the style of Alpaca-CoT (chain-of-thought English records with literal "\\n"
sequences, Chinese instruction records, Data-Juicer records with a `meta` object) but the text is
original. Problems are planted on purpose and listed in sample_data/README.md; `--check` prints the
counts that table must show.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "sample_data" / "alpaca-cot"
NL = "\\n"  # a literal backslash-n, the way Alpaca-CoT ships line breaks
SEED = 20240521


def rec(instruction: str, output: str, input: str = "", **extra) -> dict:
    r = {"instruction": instruction, "input": input, "output": output}
    r.update(extra)
    return r


# ================================================================================================
# English content
# ================================================================================================

NAMES = ["Maya", "Daniel", "Priya", "Omar", "Lena", "Tomás", "Grace", "Kenji", "Fatima", "Lucas",
         "Hannah", "Ravi", "Sofia", "Ethan", "Amara", "Felix", "Chloe", "Yusuf", "Nora", "Leo"]


def _near(rng: random.Random, x, k=4, step=None):
    """Four distinct plausible wrong answers around x."""
    step = step or max(1, abs(int(x)) // 10 or 1)
    seen, outs = {x}, []
    while len(outs) < k:
        cand = x + rng.choice([-3, -2, -1, 1, 2, 3, 4]) * step
        if cand not in seen and cand > 0:
            seen.add(cand)
            outs.append(cand)
    return outs


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def a_total(rng, k):
    name = NAMES[rng.randrange(len(NAMES))]
    a, b = rng.randint(12, 60), rng.randint(8, 45)
    if k == 0:
        q = f"{name} picked {a} strawberries on Saturday and {b} on Sunday. How many strawberries did {name} pick over the weekend?"
    else:
        q = f"A library received {a} new novels in the morning delivery and another {b} in the afternoon. How many novels arrived that day?"
    s = a + b
    if k == 0:
        r = f"To find the weekend total, add what was picked on each day: {a} + {b} = {s} strawberries."
    else:
        r = f"Both deliveries arrived on the same day, so the total is the sum of the two: {a} + {b} = {s} novels."
    return q, r, s, _near(rng, s), True


def a_speed(rng, k):
    t = rng.randint(2, 6)
    v = rng.choice([45, 60, 72, 80, 90, 96])
    d = v * t
    if k == 0:
        q = f"A train covers {d} km in {t} hours at a steady pace. What is its speed in km/h?"
        r = f"Speed is the distance travelled divided by the time taken, so the train moves at {d} / {t} = {v} km/h."
    else:
        q = f"Driving without stops, a courier goes {d} kilometres in {t} hours. Find the average speed."
        r = f"The average speed equals the total distance divided by the total time, which here is {d} km / {t} h = {v} km/h."
    return q, r, v, _near(rng, v, step=6), True


def a_discount(rng, k):
    p = rng.choice([40, 60, 80, 120, 150, 250])
    pct = rng.choice([10, 15, 20, 25, 30])
    off = p * pct // 100
    if k == 0:
        q = f"A winter jacket normally costs ${p}. The shop takes {pct}% off. What is the sale price?"
    else:
        q = f"During a clearance, a ${p} bicycle helmet is reduced by {pct} percent. How much does a customer pay?"
    r = (f"First find the size of the discount: {pct} percent of {p} dollars is {off} dollars. "
         f"Then subtract it from the original price, which leaves {p - off} dollars.")
    return q, r, p - off, _near(rng, p - off, step=5), k == 0


def a_average(rng, k):
    vals = [rng.randint(60, 98) for _ in range(4)]
    vals[-1] += (4 - sum(vals) % 4) % 4  # make the mean a whole number
    mean = sum(vals) // 4
    listed = ", ".join(map(str, vals))
    if k == 0:
        q = f"Four friends scored {listed} on a quiz. What was their mean score?"
    else:
        q = f"The daily visitors to a small museum over four days were {listed}. What is the average per day?"
    r = (f"To get the mean, add up all four numbers and divide by how many there are. "
         f"The sum is {sum(vals)}, and dividing it by 4 gives {mean}.")
    return q, r, mean, _near(rng, mean, step=2), True


def a_perimeter(rng, k):
    l, w = rng.randint(8, 30), rng.randint(3, 12)
    if k == 0:
        q = f"A vegetable patch is {l} m long and {w} m wide. How much fencing is needed to go all the way around it?"
        r = (f"The fence runs along all four sides, so we need the perimeter of the rectangle, which is "
             f"twice the sum of length and width: 2 x ({l} + {w}) = {2 * (l + w)} metres.")
        return q, r, 2 * (l + w), _near(rng, 2 * (l + w), step=2), True
    q = f"What is the area of a rectangular classroom floor measuring {l} metres by {w} metres?"
    r = f"The area of a rectangle equals its length times its width, and here that is {l} x {w} = {l * w} square metres."
    return q, r, l * w, _near(rng, l * w, step=4), True


def a_interest(rng, k):
    P = rng.choice([500, 800, 1200, 2000, 2500])
    r_ = rng.choice([2, 3, 4, 5, 6])
    t = rng.randint(2, 5)
    i = P * r_ * t // 100
    if k == 0:
        q = f"What is the simple interest on ${P} invested at {r_}% per year for {t} years?"
        r = f"Simple interest is the principal times the yearly rate times the number of years: {P} x {r_}/100 x {t} = {i} dollars."
    else:
        q = f"Anna deposits ${P} in an account paying {r_} percent simple interest annually. How much interest has she earned after {t} years?"
        r = (f"Every year the account pays {r_} percent of {P}, which is {P * r_ // 100} dollars. "
             f"Over {t} years she therefore earns {P * r_ // 100} x {t} = {i} dollars in interest.")
    return q, r, i, _near(rng, i, step=max(5, i // 8)), True


def a_work(rng, k):
    x, y = rng.choice([(3, 6), (4, 12), (6, 12), (10, 15), (12, 24), (20, 30)])
    tog = x * y / (x + y)
    a, b = rng.sample(NAMES, 2)
    if k == 0:
        q = f"{a} can paint a fence alone in {x} hours and {b} can paint it alone in {y} hours. How long will it take them working together?"
    else:
        q = f"One pipe fills a tank in {x} hours and a second pipe fills it in {y} hours. If both pipes are open, how many hours does it take to fill the tank?"
    r = (f"Working together they finish 1/{x} + 1/{y} of the job each hour, which adds up to {x + y}/{x * y} of it. "
         f"The whole job therefore takes {x * y}/{x + y} = {_fmt(tog)} hours.")
    return q, r, _fmt(tog), [_fmt(tog + d) for d in (-1, 1, 2, 3)], True


def a_ratio(rng, k):
    m, n = rng.choice([(2, 3), (3, 5), (1, 4), (4, 5), (3, 7)])
    unit = rng.choice([20, 30, 40, 50])
    T = unit * (m + n)
    a, b = rng.sample(NAMES, 2)
    if k == 0:
        q = f"${T} is shared between {a} and {b} in the ratio {m}:{n}. How much does {b} get?"
    else:
        q = f"A bag of {T} marbles is split between two jars in the ratio {m} to {n}. How many marbles go into the second jar?"
    r = (f"The ratio has {m + n} parts in total, so each part is worth {T} divided by {m + n}, which is {unit}. "
         f"The second share is {n} of those parts, so it comes to {n * unit}.")
    return q, r, n * unit, _near(rng, n * unit, step=unit // 2), True


def a_age(rng, k):
    b_age = rng.randint(6, 20)
    diff = rng.randint(2, 9)
    yrs = rng.randint(2, 8)
    S = 2 * b_age + diff + 2 * yrs
    a, b = rng.sample(NAMES, 2)
    if k == 0:
        q = f"{a} is {diff} years older than {b}. In {yrs} years their ages will add up to {S}. How old is {b} now?"
    else:
        q = f"A mother is {diff + 20} years older than her son. In {yrs} years the sum of their ages will be {S + 20}. What is the son's age today?"
        diff += 20
        S += 20
    r = (f"Let the younger person's age now be x. In {yrs} years the two ages will be x plus {yrs} and x plus "
         f"{diff + yrs}, and together they make {S}. That gives 2x = {S - diff - 2 * yrs}, so x is {b_age}.")
    return q, r, b_age, _near(rng, b_age, step=1), True


def a_minutes(rng, k):
    h, m = rng.randint(2, 9), rng.randint(5, 55)
    if k == 0:
        q = f"How many minutes are there in {h} hours and {m} minutes?"
        r = f"Each hour has 60 minutes, so {h} hours are {60 * h} minutes; adding {m} gives {60 * h + m}."
        return q, r, 60 * h + m, None, False
    secs = h * 60 + m
    q = f"A song playlist lasts {secs} seconds. How long is that in minutes and seconds?"
    r = f"{secs} divided by 60 is {secs // 60} with remainder {secs % 60}, so it is {secs // 60} minutes {secs % 60} seconds."
    return q, r, f"{secs // 60} minutes {secs % 60} seconds", None, False


def a_consecutive(rng, k):
    n = rng.randint(11, 70)
    if k == 0:
        S = 3 * n + 3
        q = f"The sum of three consecutive integers is {S}. What is the largest of them?"
        r = (f"Call the three numbers x, x + 1 and x + 2. Their sum is 3x + 3, which must equal {S}, "
             f"so x is {n} and the largest number is {n + 2}.")
        return q, r, n + 2, _near(rng, n + 2, step=1), True
    S = 2 * n + 2
    q = f"Two consecutive even numbers add up to {2 * (2 * n) + 2}. What is the smaller number?"
    r = (f"Write the two even numbers as y and y + 2. Their sum 2y + 2 has to equal {2 * (2 * n) + 2}, "
         f"which means the smaller number y is {2 * n}.")
    return q, r, 2 * n, _near(rng, 2 * n, step=2), True


def a_shopping(rng, k):
    p, nb_price = rng.randint(2, 4), rng.randint(3, 7)
    a, b = rng.randint(3, 9), rng.randint(2, 6)
    name = NAMES[rng.randrange(len(NAMES))]
    if k == 0:
        q = f"Pens cost ${p} each and notebooks cost ${nb_price} each. {name} buys {a} pens and {b} notebooks. How much does {name} spend?"
        r = f"Pens: {a} x {p} = {a * p}. Notebooks: {b} x {nb_price} = {b * nb_price}. Total: {a * p} + {b * nb_price} = {a * p + b * nb_price} dollars."
        return q, r, a * p + b * nb_price, None, False
    pay = 50
    total = a * p + b * nb_price
    q = f"At the market, apples are ${p} a kilo and cheese is ${nb_price} a block. {name} takes {a} kilos of apples and {b} blocks of cheese and pays with a ${pay} note. What change is due?"
    r = f"The bill is {a} x {p} + {b} x {nb_price} = {total}. The change is {pay} - {total} = {pay - total} dollars."
    return q, r, pay - total, None, False


def a_cartons(rng, k):
    size = rng.choice([6, 12, 8])
    n = rng.randint(40, 150)
    if k == 0:
        q = f"A farm collects {n} eggs and packs them in cartons of {size}. How many cartons are filled completely?"
        r = f"{n} / {size} = {n // size} remainder {n % size}, so only {n // size} cartons are full."
        return q, r, n // size, _near(rng, n // size, step=1), True
    q = f"{n} students are going on a trip and each minibus holds {size} passengers. How many minibuses are needed?"
    buses = -(-n // size)
    r = f"{n} / {size} = {n // size} with {n % size} left over, and the remaining students still need a seat, so {buses} minibuses are required."
    if n % size == 0:
        r = f"{n} / {size} = {buses} exactly, so {buses} minibuses are enough."
    return q, r, buses, _near(rng, buses, step=1), True


def a_percent_change(rng, k):
    a = rng.choice([200, 400, 500, 800, 1000])
    pct = rng.choice([5, 10, 15, 20, 25, 40])
    b = a * (100 + pct) // 100
    if k == 0:
        q = f"The population of a village grew from {a} to {b}. By what percentage did it increase?"
        r = (f"The village gained {b - a} people. Dividing the increase by the original population gives "
             f"{b - a} / {a}, which is {pct} percent.")
    else:
        q = f"A cafe sold {a} cups of coffee last month and {b} this month. What is the percent increase in sales?"
        r = f"Sales rose by {b - a} cups. Dividing that rise by the old figure of {a} gives {pct / 100:g}, which is {pct} percent."
    return q, r, f"{pct}%", [f"{pct + d}%" for d in (-5 if pct > 5 else 20, 5, 10, 15)], True


def a_fraction(rng, k):
    pages = rng.choice([120, 180, 240, 300, 360])
    num, den = rng.choice([(1, 3), (2, 5), (3, 4), (1, 6), (5, 6)])
    read = pages * num // den
    name = NAMES[rng.randrange(len(NAMES))]
    if k == 0:
        q = f"{name} has read {num}/{den} of a {pages}-page book. How many pages are left to read?"
        r = (f"{name} has already read {num}/{den} of the book. Out of {pages} pages that makes {read} pages, "
             f"so {pages - read} pages are still waiting to be read.")
        return q, r, pages - read, _near(rng, pages - read, step=10), True
    q = f"A water tank holding {pages} litres is {num}/{den} full. How many more litres are needed to fill it?"
    r = (f"The tank already holds {num}/{den} of {pages} litres, which is {read} litres, "
         f"so it still needs {pages} - {read} = {pages - read} more.")
    return q, r, pages - read, _near(rng, pages - read, step=10), False


ARITHMETIC_TEMPLATES = [a_total, a_speed, a_discount, a_average, a_perimeter, a_interest, a_work,
                        a_ratio, a_age, a_minutes, a_consecutive, a_shopping, a_cartons,
                        a_percent_change, a_fraction]

# (claim, answer, reason)
CLAIMS = [
    ("The Great Wall of China can be walked from end to end in a single afternoon.", "no",
     "The wall runs for thousands of kilometres, so walking all of it takes months, not hours."),
    ("Penguins live naturally in the Arctic.", "no",
     "Wild penguins are found almost only in the Southern Hemisphere, while the Arctic is at the far north of the planet."),
    ("A violin is usually played with a bow.", "yes",
     "Violinists draw a bow across the strings to make sound, although they sometimes pluck them as well."),
    ("Mount Everest sits on the border between Nepal and China.", "yes",
     "The summit of Everest lies on the ridge that separates Nepal from the Tibet region of China."),
    ("Honey goes bad within a week if it is kept outside the fridge.", "no",
     "Honey contains very little water and is acidic, which lets it keep for years in a closed jar at room temperature."),
    ("You need a ball to play a game of chess.", "no",
     "Chess is played with pieces on a board of sixty-four squares; no ball is involved at any point."),
    ("Plays written by Shakespeare are still performed on stage today.", "yes",
     "Theatres around the world regularly stage Hamlet, Macbeth and other Shakespeare plays."),
    ("The Amazon River flows through Brazil.", "yes",
     "Most of the Amazon's length lies inside Brazil before the river reaches the Atlantic."),
    ("Bats are the only mammals capable of true powered flight.", "yes",
     "Flying squirrels only glide, while bats flap their wings to fly, which no other mammal can do."),
    ("Ice cubes sink to the bottom of a glass of water.", "no",
     "Ice is less dense than liquid water, so the cubes float near the surface."),
    ("A marathon is a running race of roughly 42 kilometres.", "yes",
     "The official marathon distance is 42.195 kilometres."),
    ("Botanically speaking, a tomato is a fruit.", "yes",
     "A tomato develops from the flower of the plant and holds the seeds, which is the botanical definition of a fruit."),
    ("Most adults can hear a dog whistle clearly.", "no",
     "Dog whistles produce sound above the frequency range that human ears can pick up."),
    ("The Moon gives off its own light just like the Sun.", "no",
     "Moonlight is sunlight reflected from the lunar surface; the Moon does not produce light itself."),
    ("Firefighters often use water to put out house fires.", "yes",
     "Water cools burning material and is the most common tool fire crews spray on building fires."),
    ("Cacti grow best in soil that stays flooded all year.", "no",
     "Cacti are desert plants that store water, and standing water makes their roots rot."),
    ("Beethoven kept composing after he lost his hearing.", "yes",
     "He wrote the Ninth Symphony when he was almost completely deaf."),
    ("A standard piano has exactly twelve keys.", "no",
     "A full-size piano has eighty-eight keys; twelve is only the number of notes in one octave."),
    ("Astronauts on the International Space Station experience weightlessness.", "yes",
     "The station and the crew are in constant free fall around Earth, so the astronauts float."),
    ("Goldfish can survive for months without any water.", "no",
     "Goldfish breathe through gills that need water, and they die within minutes on dry land."),
    ("The Sahara is mostly covered by thick rainforest.", "no",
     "The Sahara is the largest hot desert in the world and receives very little rain."),
    ("In a football match the referee enforces the rules.", "yes",
     "The referee decides on fouls, awards free kicks and can show yellow or red cards."),
    ("Tea is made by soaking leaves in hot water.", "yes",
     "Steeping dried tea leaves in hot water releases their flavour into the drink."),
    ("Sound travels faster than light.", "no",
     "Light moves at about 300,000 km per second, while sound in air covers only about 343 metres per second."),
    ("A person can see the stars more easily in a dark countryside than in a brightly lit city.", "yes",
     "City lights brighten the night sky and hide faint stars, while rural skies stay dark."),
]

# (sensible sentence, nonsensical sentence, reason)
SENSEMAKING = [
    ("She put the milk in the refrigerator to keep it cold.", "She put the milk in the oven to keep it cold.",
     "An oven heats food, so it cannot keep milk cold."),
    ("He wore sunglasses to protect his eyes from the bright sun.", "He wore sunglasses to protect his eyes from the dark night.",
     "Sunglasses block strong light and are of no use when it is already dark."),
    ("The cat climbed the tree to escape the dog.", "The fish climbed the tree to escape the cat.",
     "Fish live in water and have no legs for climbing trees."),
    ("I used a spoon to eat my soup.", "I used a sieve to eat my soup.",
     "A sieve has holes, so the soup would drain straight through it."),
    ("My grandfather is older than my father.", "My grandfather is younger than my father.",
     "A grandfather is the father of one's parent, so he must be older than that parent."),
    ("We turned on the fan because the room was too hot.", "We turned on the heater because the room was too hot.",
     "A heater makes a hot room even hotter."),
    ("She watered the roses every morning so they would grow.", "She watered the plastic flowers every morning so they would grow.",
     "Plastic flowers are not alive and do not grow however much they are watered."),
    ("He sent the letter by putting it in the mailbox.", "He sent the letter by putting it in the dishwasher.",
     "A dishwasher cleans plates; it does not deliver mail."),
    ("The baby drank milk before breakfast.", "The baby read a newspaper before breakfast.",
     "Babies have not learned to read yet."),
    ("Tom opened an umbrella to stay dry in the rain.", "Tom opened a book to stay dry in the rain.",
     "A book gives no real shelter from rain and would get soaked."),
    ("The car ran out of petrol, so he drove to a gas station.", "The car ran out of petrol, so he filled the tank with sand.",
     "Sand is not a fuel and would ruin the engine."),
    ("A week has seven days.", "A week has seventeen days.",
     "Every calendar week is made of seven days."),
    ("The teacher wrote on the blackboard with chalk.", "The teacher wrote on the blackboard with a banana.",
     "A banana leaves no readable mark on a blackboard."),
    ("Birds build nests to lay their eggs.", "Birds build nests to park their cars.",
     "Birds do not own or drive cars; nests are for eggs and chicks."),
    ("He put on a heavy coat because it was snowing.", "He put on a heavy coat because it was a scorching summer day.",
     "People take off warm clothes on a very hot day instead of putting them on."),
    ("People borrow books from the library.", "People borrow airplanes from the library.",
     "Libraries lend books and media, not aircraft."),
    ("She cut the paper with scissors.", "She cut the paper with a pillow.",
     "A pillow is soft and has no blade, so it cannot cut anything."),
    ("Water boils when it is heated enough.", "Water boils when it is put in the freezer.",
     "A freezer cools water until it turns to ice, the opposite of boiling."),
    ("The dentist checked the patient's teeth for cavities.", "The dentist checked the patient's shoelaces for cavities.",
     "Cavities are holes in teeth, and shoelaces cannot have them."),
    ("He listened to music through his headphones.", "He listened to music through his elbows.",
     "People hear with their ears, not with their elbows."),
]

# (question, options, answer, reason)
ECQA = [
    ("Where would you most likely store a winter coat during the summer?",
     ["closet", "freezer", "mailbox", "oven", "bathtub"], "closet",
     "A closet is where clothes are kept when they are not being worn, and a winter coat is not needed in summer."),
    ("What do people usually do when they feel tired late at night?",
     ["go to sleep", "run a marathon", "paint the house", "mow the lawn", "go swimming"], "go to sleep",
     "Tiredness at night is the body's signal that it needs rest, and people respond by sleeping."),
    ("Where can you find many books that you are allowed to borrow?",
     ["library", "bakery", "garage", "pharmacy", "stadium"], "library",
     "A library keeps a large collection of books and lends them to its members."),
    ("If you want to stop ice cream from melting, where should you put it?",
     ["freezer", "cupboard", "sunny window", "backpack", "oven"], "freezer",
     "Ice cream stays solid only below freezing, and a freezer keeps it that cold."),
    ("What does a gardener use to water the plants in a flower bed?",
     ["watering can", "hammer", "stapler", "toaster", "ladder"], "watering can",
     "A watering can holds water and pours it gently onto plants."),
    ("Where does an airline pilot spend most of the working day?",
     ["cockpit", "kitchen", "classroom", "submarine", "farm"], "cockpit",
     "Pilots fly the aircraft from the cockpit, the control room at the front of the plane."),
    ("What is a common result of exercising regularly?",
     ["better fitness", "broken clocks", "louder thunder", "colder weather", "shorter days"], "better fitness",
     "Regular exercise strengthens the heart and muscles, which improves fitness."),
    ("What would you use to look at something as small as a single cell?",
     ["microscope", "telescope", "periscope", "kaleidoscope", "stethoscope"], "microscope",
     "A microscope magnifies tiny objects such as cells, while a telescope is for distant objects."),
    ("Where do astronomers usually work when they observe the stars?",
     ["observatory", "aquarium", "bakery", "laundry", "barbershop"], "observatory",
     "An observatory houses large telescopes built for watching the night sky."),
    ("What must a person do before they can legally drive a car?",
     ["get a driving licence", "buy a hat", "learn to swim", "plant a tree", "paint the car"], "get a driving licence",
     "Driving on public roads requires passing a test and holding a licence."),
    ("What is likely to happen to bread that is left out for many days?",
     ["it grows mould", "it turns into cheese", "it gets heavier", "it starts singing", "it turns to glass"], "it grows mould",
     "Moisture and spores in the air let mould grow on old bread."),
    ("Where would you go to watch a play performed by actors?",
     ["theatre", "hospital", "car wash", "airport", "quarry"], "theatre",
     "Plays are staged for an audience in a theatre."),
    ("What is the main purpose of carrying an umbrella?",
     ["to keep off the rain", "to cook food", "to tell the time", "to open doors", "to cut paper"], "to keep off the rain",
     "An umbrella is a folding canopy that shields a person from rain."),
    ("When a person is very thirsty, what do they want?",
     ["a drink", "a blanket", "a nap", "a map", "a song"], "a drink",
     "Thirst is the need for fluid, which is satisfied by drinking."),
    ("Where are you most likely to see a whale in the wild?",
     ["ocean", "desert", "forest", "attic", "garden pond"], "ocean",
     "Whales are large marine mammals that live in the open sea."),
    ("If a child wants to build a sandcastle, where should the family go?",
     ["beach", "library", "office", "subway", "museum"], "beach",
     "Beaches have plenty of damp sand that can be shaped into castles."),
    ("What do honeybees make from the nectar of flowers?",
     ["honey", "silk", "wax paper", "milk", "bread"], "honey",
     "Bees collect nectar and turn it into honey inside the hive."),
    ("What does a thermometer measure?",
     ["temperature", "weight", "distance", "speed", "volume"], "temperature",
     "A thermometer shows how hot or cold something is, which is its temperature."),
    ("Someone who wants to mail a parcel would most likely visit what place?",
     ["post office", "gym", "zoo", "bakery", "cinema"], "post office",
     "Post offices accept parcels and letters and send them on to their destination."),
    ("What do you need to do to a seed to help it grow into a plant?",
     ["plant it in soil and water it", "freeze it", "paint it", "put it in a drawer", "boil it"], "plant it in soil and water it",
     "Seeds sprout when they have soil, water and warmth."),
]

# (question, reasoned answer)
SCIENCE = [
    ("Why does a metal spoon feel colder than a wooden spoon at the same room temperature?",
     "Metal conducts heat far better than wood, so it draws warmth out of your fingers faster. Your skin senses that loss of heat as cold, even though both spoons are at the same temperature. So the metal spoon only feels colder."),
    ("What causes the seasons on Earth?",
     "Earth's axis is tilted by about 23.5 degrees. As the planet orbits the Sun, each hemisphere is tilted toward the Sun for part of the year and away from it for another part, which changes how directly sunlight strikes the ground. The tilt, not the distance to the Sun, causes the seasons."),
    ("Why do we see lightning before we hear the thunder from the same strike?",
     "Light travels almost a million times faster than sound. The flash reaches us nearly instantly, while the sound of thunder needs about three seconds to travel each kilometre. So the lightning is seen first."),
    ("Why do road crews spread salt on icy roads in winter?",
     "Salt dissolves into the thin film of water on the ice and lowers the temperature at which water freezes. The ice then melts even when the air is a little below zero. So salt keeps roads from staying icy."),
    ("What happens to the volume of water when it freezes into ice?",
     "As water freezes its molecules lock into an open crystal pattern that takes up more room than the liquid. Ice therefore has about nine percent more volume than the water it came from, which is why frozen bottles can crack."),
    ("Why do many leaves turn yellow and red in autumn?",
     "In autumn the days get shorter and trees stop making chlorophyll, the green pigment. As the green fades, yellow and orange pigments that were always there become visible, and some trees also make new red pigments. The colours come from that change."),
    ("Why do astronauts float inside an orbiting space station?",
     "Gravity is still strong at the station's height, but the station and everyone in it are falling around Earth together at the same rate. Because nothing pushes back on them, they float. The answer is that they are in continuous free fall."),
    ("Why does a balloon that was rubbed on your hair stick to a wall?",
     "Rubbing moves electrons from your hair onto the balloon, giving it a negative charge. That charge pushes the electrons in the wall slightly away, leaving a positive surface that attracts the balloon. Static electricity holds it there."),
    ("What is the difference between weather and climate?",
     "Weather is the state of the atmosphere over hours or days, such as a rainy afternoon. Climate is the average pattern of weather in a place over many years. So weather changes daily while climate describes the long-term normal."),
    ("Why does cutting an onion make people's eyes water?",
     "Cutting breaks onion cells and releases enzymes that form a volatile sulphur gas. When the gas reaches the eyes it irritates them, and tear glands respond by producing tears to wash it away."),
    ("How does water get from the soil up to the leaves of a tall tree?",
     "Water evaporates from tiny pores in the leaves, and this loss pulls on the column of water in thin tubes called xylem. Because water molecules stick together, the column is drawn upward from the roots. The process is called transpiration pull."),
    ("Why does bread dough rise when yeast is added?",
     "Yeast is a living fungus that feeds on the sugars in the flour. As it feeds it releases carbon dioxide gas, which is trapped by the stretchy gluten and forms bubbles. The bubbles make the dough rise."),
    ("Is a whale a fish or a mammal?",
     "Whales breathe air with lungs, are warm-blooded, give birth to live young and feed them milk. Those are the features of mammals, not fish. So a whale is a mammal."),
    ("Why do calendars have a leap year every four years?",
     "Earth takes about 365.24 days to go around the Sun. Adding one extra day every four years makes up for the quarter day that builds up each year and keeps the calendar in line with the seasons."),
    ("Why does a spoon in a glass of water look bent?",
     "Light changes speed when it passes from water into air, so it bends at the surface. Your eyes assume light travels in straight lines, so the part of the spoon under the water appears shifted. The effect is called refraction."),
]

# (question, reasoned answer)
GEOGRAPHY = [
    ("Is Canberra the capital of Australia?",
     "Many people guess Sydney, but Canberra was built as the capital as a compromise between Sydney and Melbourne. So the answer is yes."),
    ("On which continent is most of Egypt located?",
     "Egypt lies in the north-east corner of Africa; only the Sinai Peninsula crosses into Asia. The answer is Africa."),
    ("Does the Nile flow from south to north?",
     "The Nile rises in the highlands of East Africa and runs north until it empties into the Mediterranean Sea. So yes, it flows north."),
    ("Which country is larger by area, Russia or Canada?",
     "Canada is the second largest country, but Russia covers about seventeen million square kilometres, far more. The answer is Russia."),
    ("Is Iceland mostly covered by ice?",
     "Despite its name, only about a tenth of Iceland is under glaciers; most of it is rock, grassland and lava fields. So the answer is no."),
    ("Which ocean lies between Africa and Australia?",
     "Africa's east coast and Australia's west coast both face the same body of water, the Indian Ocean. The answer is the Indian Ocean."),
    ("Is Mount Kilimanjaro in Kenya?",
     "Kilimanjaro can be seen from Kenya, but the mountain stands just across the border in Tanzania. So the answer is no."),
    ("Which has more people, India or the United States?",
     "India has well over a billion inhabitants, while the United States has roughly a third of a billion. India has more people."),
    ("What is the longest mountain range on land?",
     "The Andes stretch about 7,000 kilometres along the western edge of South America, longer than any other range above sea level. The answer is the Andes."),
    ("Is the Dead Sea really a sea?",
     "The Dead Sea has no outlet to the ocean; it is a landlocked salt lake between Jordan and Israel. So it is not a true sea."),
    ("Which two countries share the longest international border?",
     "Canada and the United States share a border of nearly 9,000 kilometres, including the boundary with Alaska. The answer is Canada and the United States."),
    ("Is Tokyo on the island of Honshu?",
     "Honshu is Japan's largest island and Tokyo sits on its eastern coast by Tokyo Bay. So the answer is yes."),
    ("Which desert covers much of northern Africa?",
     "The Sahara spans from the Atlantic coast to the Red Sea across northern Africa. The answer is the Sahara."),
    ("Does the equator pass through Brazil?",
     "The equator crosses the north of Brazil near the mouth of the Amazon, close to the city of Macapa. So yes, it does."),
    ("Which river runs through the centre of Paris?",
     "Paris grew up on both banks of the Seine, and islands such as the Ile de la Cite sit in the river. The answer is the Seine."),
]

# (instruction, passage, answer): long records, used as near-duplicate bases
LONG_EN = [
    ("Read the passage and answer: why do plants need sunlight?",
     "Green plants make their own food through photosynthesis. Inside their leaves, chlorophyll captures the energy of sunlight and uses it to join carbon dioxide from the air with water from the soil. The result is glucose, a sugar the plant burns for energy or stores as starch, and oxygen, which escapes through small pores in the leaf.",
     "The passage explains that sunlight supplies the energy for photosynthesis. Without light, chlorophyll cannot turn carbon dioxide and water into glucose, so the plant would have no food. Plants need sunlight to make sugar."),
    ("Using the passage, explain where rain comes from.",
     "Heat from the Sun warms oceans, lakes and rivers, and some of their water turns into vapour that rises into the air. As the vapour climbs it cools and condenses around tiny specks of dust, forming the droplets that make up clouds. When enough droplets merge and grow heavy, they fall back to the ground as rain or snow.",
     "According to the passage, rain starts as water that the Sun evaporates. The vapour cools high up and condenses into cloud droplets, and when the droplets join and become too heavy they fall. So rain is condensed water vapour returning to the ground."),
    ("Based on the passage, why was the printing press important?",
     "Before the fifteenth century most books in Europe were copied by hand, which took months and made them very expensive. Around 1440 Johannes Gutenberg built a press that used movable metal type, so a page could be set once and printed hundreds of times. Within a few decades printed books spread across the continent and prices fell sharply.",
     "The passage says hand copying was slow and costly, while Gutenberg's press could print a page many times after setting it once. Books became cheaper and more common, so knowledge spread much faster. That is why the press mattered."),
    ("Read the text and explain how honeybees tell each other where flowers are.",
     "When a forager bee finds a rich patch of flowers, it returns to the hive and performs a waggle dance on the honeycomb. The direction of the straight waggle run shows the angle of the flowers relative to the Sun, and the length of the run tells how far away they are. Other bees follow the dancer and then fly out to the same place.",
     "The text describes the waggle dance. The angle of the waggle run points to the flowers relative to the Sun and its length signals the distance, so the other bees learn both direction and distance. They communicate by dancing."),
    ("According to the passage, how does a volcano form?",
     "Deep under the crust, rock melts into magma where tectonic plates pull apart or where one plate sinks beneath another. Because magma is lighter than the solid rock around it, it rises through cracks and collects in chambers. When pressure in a chamber grows large enough, magma bursts through the surface, and layers of lava and ash pile up into a mountain.",
     "The passage explains that magma forms where plates separate or sink, rises because it is lighter than the surrounding rock, and erupts when pressure builds. Repeated eruptions stack lava and ash into a cone. That is how a volcano forms."),
    ("Summarise from the passage what the Silk Road was.",
     "The Silk Road was not a single road but a web of trade routes that linked China with Central Asia, the Middle East and the Mediterranean for more than a thousand years. Merchants carried silk, spices, paper and porcelain westward and brought back horses, glassware and silver. Along with goods, religions, languages and inventions travelled the same paths.",
     "From the passage, the Silk Road was a network of overland trade routes between China and the Mediterranean world. Traders exchanged silk, spices and other goods, and ideas and religions moved with them. It was a long-lasting trade and cultural link."),
    ("Use the passage to explain how a vaccine protects a person.",
     "A vaccine contains a weakened or inactive form of a germ, or just a harmless piece of it. When it is injected, the immune system reacts as if it were a real infection and makes antibodies and memory cells against it. If the person later meets the real germ, those memory cells recognise it quickly and the body fights it off before serious illness develops.",
     "The passage says a vaccine shows the immune system a harmless version of a germ, so the body builds antibodies and memory cells. Later, the memory cells recognise the real germ and respond fast. That quick response is the protection."),
    ("According to the passage, what causes ocean tides?",
     "The Moon's gravity pulls on Earth's oceans, drawing the water into a bulge on the side facing the Moon. A second bulge forms on the opposite side, where the Moon's pull is weakest. As Earth turns, each coastline passes through both bulges, so most places see two high tides and two low tides roughly every day.",
     "The passage explains that the Moon's gravity raises a bulge of water facing it and a second bulge on the far side. Earth's rotation carries coasts through these bulges, which produces the daily highs and lows. The Moon's gravity causes the tides."),
]

# Cleaning should strip the tags, the link and the address; the rest is a good record.
HTML_RECORD = dict(
    instruction="Summarize the notice below in one sentence.",
    input=("<p>The <b>Riverside Public Library</b> will close at 3 p.m. this Friday so that staff can attend "
           "a training day.</p><p>Opening hours for the weekend are unchanged. See "
           "<a href=\"https://riverside-library.example.org/hours\">https://riverside-library.example.org/hours</a> "
           "or write to help@riverside-library.example.org with any questions.</p>"),
    output=("The Riverside Public Library closes early at 3 p.m. on Friday for staff training, and its "
            "weekend hours stay the same."),
)


# ================================================================================================
# Chinese content
# ================================================================================================

EXPLAIN = [
    ("通货膨胀", "通货膨胀是指在一段时间内，商品和服务的整体价格持续上涨，同样多的钱能买到的东西变少了。例如十年前十块钱能买一大碗面，现在可能只够买半碗。适度的通胀很常见，但涨得太快会让人们的储蓄贬值。"),
    ("光合作用", "光合作用是绿色植物利用阳光的能量，把二氧化碳和水转化为葡萄糖，并释放出氧气的过程。它主要在叶片的叶绿体中进行，是地球上几乎所有生物获得能量的源头。"),
    ("区块链", "区块链是一种分布式记账技术。每一笔交易记录被打包成一个“区块”，按时间顺序连成一条链，并同时保存在许多台电脑上。因为每个区块都包含前一个区块的指纹，想篡改其中一条记录就必须改动后面所有区块，所以很难造假。"),
    ("机器学习", "机器学习是让计算机从数据中总结规律的方法。我们不必把每条规则都写进程序，而是给它大量例子，比如成千上万张标好“猫”或“狗”的照片，它会自己学会区分新的照片。"),
    ("温室效应", "大气中的二氧化碳、甲烷等气体会让阳光进来，却阻挡一部分热量散回太空，就像温室的玻璃一样，这就是温室效应。它本来让地球保持适宜的温度，但人类排放过多温室气体，使全球气温不断升高。"),
    ("云计算", "云计算是通过网络按需使用别人数据中心里的服务器、存储和软件。用户不用自己买机器，用多少付多少，就像用电一样方便。常见的网盘、在线文档都属于云服务。"),
    ("成语“画蛇添足”", "“画蛇添足”出自《战国策》。几个人比赛画蛇，先画完的人得意地给蛇添上了脚，结果蛇本来没有脚，他反而输了。这个成语比喻做了多余的事，不但没有好处，反而把事情弄坏。"),
    ("成语“守株待兔”", "“守株待兔”讲的是一个农夫偶然捡到一只撞死在树桩上的兔子，从此不再种地，天天守在树桩旁等兔子，结果田地荒芜。它比喻死守狭隘的经验，不知变通，或者想不劳而获。"),
    ("万有引力", "万有引力是指任何两个有质量的物体之间都存在相互吸引的力。质量越大，引力越大；距离越远，引力越小。苹果落地、月亮绕地球转，都是万有引力在起作用。"),
    ("免疫系统", "免疫系统是身体的防御部队，由白细胞、抗体、淋巴结等组成。当细菌或病毒入侵时，它会识别这些“外来者”并把它们消灭，还会记住它们，下次遇到时反应更快。"),
    ("碳中和", "碳中和是指一个国家、企业或个人在一定时间内排放的二氧化碳，通过植树造林、节能减排、使用清洁能源等方式全部抵消掉，实现净排放为零。"),
    ("供求关系", "供求关系描述的是商品数量和价格之间的联系。一种东西想买的人多、卖的人少，价格就会上涨；反过来，货多人少，价格就会下降。市场价格往往就在供给和需求的平衡点附近。"),
    ("边际效用递减", "边际效用递减是说，当你连续消费同一种东西时，每多消费一份带来的满足感会越来越少。饿的时候吃第一个包子特别香，吃到第五个时就没那么想吃了。"),
    ("近视", "近视是指看近处清楚、看远处模糊的视力问题。通常是因为眼球前后径变长，远处物体的像落在视网膜前面。长时间近距离用眼、缺少户外活动都可能加重近视。"),
    ("二进制", "二进制是一种只用0和1两个数字来表示数的计数方法，逢二进一。计算机的电路只有“通”和“断”两种状态，正好对应1和0，所以计算机内部都用二进制存储和计算。"),
    ("复利", "复利就是“利滚利”：每期产生的利息会加入本金，下一期连同本金一起计算利息。时间越长，复利的效果越明显，所以人们常说储蓄和投资要尽早开始。"),
    ("生态系统", "生态系统是指在一定区域内，生物和它们所处的环境相互作用形成的整体。比如一片池塘里，有水草、鱼、虾、微生物，还有阳光和水，它们之间通过食物链和物质循环联系在一起。"),
    ("人工智能", "人工智能是研究如何让机器表现出类似人类智能的学科，比如听懂语言、识别图像、下棋和做决策。今天常见的语音助手、推荐系统和自动翻译，都用到了人工智能技术。"),
    ("“温故而知新”", "“温故而知新”出自《论语》，意思是复习学过的知识，能从中获得新的理解和体会。孔子认为能做到这一点的人，就可以当老师了。它强调学习需要不断回顾和思考。"),
    ("时差", "时差是不同地区之间时间的差异。地球自西向东自转，各地看到日出的时间不同，于是划分了时区。北京是中午十二点时，伦敦还是清晨四五点，这中间就差了七八个小时。"),
    ("彩虹的形成", "雨后空气中飘着许多小水滴。阳光照进水滴时会发生折射和反射，不同颜色的光偏折的角度不一样，于是白光被分成红、橙、黄、绿、蓝、靛、紫七种颜色，在天空中形成彩虹。"),
    ("疫苗", "疫苗是用减毒、灭活的病原体或其中一部分制成的制剂。接种后，人体会产生抗体和记忆细胞，以后真正遇到这种病原体时，就能迅速识别并消灭它，从而预防疾病。"),
    ("大数据", "大数据指的是规模巨大、类型多样、产生速度很快的数据集合，传统软件难以处理。通过分析这些数据，企业可以发现用户习惯，城市可以优化交通，医生可以辅助判断病情。"),
    ("潮汐", "潮汐是海水在月球和太阳引力作用下发生的周期性涨落。白天的涨落叫“潮”，夜间的叫“汐”。大多数海边每天能看到两次涨潮和两次落潮。"),
    ("地震", "地震是地壳快速释放能量时造成的震动。地球表面由许多板块组成，它们缓慢移动、互相挤压，积累的能量一旦突然释放，就会让地面剧烈摇晃，甚至造成房屋倒塌。"),
]

# (English, Chinese)
TRANSLATE_EN_ZH = [
    ("The early bird catches the worm.", "早起的鸟儿有虫吃。"),
    ("Could you tell me how to get to the train station?", "你能告诉我去火车站怎么走吗？"),
    ("Reading every day broadens your horizons.", "每天阅读能开阔你的视野。"),
    ("The meeting has been moved to next Thursday afternoon.", "会议改到了下周四下午。"),
    ("Please turn off the lights when you leave the room.", "离开房间时请关灯。"),
    ("Practice makes perfect.", "熟能生巧。"),
    ("I have been learning Chinese for two years.", "我学中文已经两年了。"),
    ("It is getting colder, so remember to wear more layers.", "天气越来越冷了，记得多穿几件衣服。"),
    ("This restaurant is famous for its spicy noodles.", "这家餐馆以麻辣面条出名。"),
    ("Knowledge is power.", "知识就是力量。"),
    ("We should protect the environment for future generations.", "我们应该为子孙后代保护环境。"),
    ("The train was delayed because of the heavy snow.", "由于下大雪，火车晚点了。"),
    ("She is good at solving difficult math problems.", "她擅长解难的数学题。"),
    ("Where there is a will, there is a way.", "有志者，事竟成。"),
    ("Please send me the report before Friday.", "请在周五之前把报告发给我。"),
    ("The museum is closed on Mondays.", "博物馆每周一闭馆。"),
    ("Time flies when you are having fun.", "快乐的时光总是过得特别快。"),
    ("He apologized for being late to class.", "他为上课迟到道了歉。"),
    ("Drinking enough water is important for your health.", "喝足够的水对健康很重要。"),
    ("The children are playing football in the park.", "孩子们正在公园里踢足球。"),
]

# (Chinese, English)
TRANSLATE_ZH_EN = [
    ("明天下午三点我们在图书馆门口见面。", "Let's meet at the library entrance at three o'clock tomorrow afternoon."),
    ("这本小说我已经读了三遍，每次都有新的感受。", "I have read this novel three times, and each time I notice something new."),
    ("请问附近有没有便宜又好吃的饭馆？", "Excuse me, is there a cheap and good restaurant nearby?"),
    ("学习一门语言最重要的是坚持。", "The most important thing in learning a language is to keep at it."),
    ("周末我们打算去爬山，你要一起来吗？", "We are planning to go hiking this weekend. Would you like to come with us?"),
]

# (instruction, answer)
LIST_TASKS = [
    ("列举三种可再生能源。", "1. 太阳能：利用太阳光发电或供热。\n2. 风能：用风力发电机把风的动能变成电能。\n3. 水能：利用河流落差推动水轮机发电。"),
    ("列出中国古典四大名著及其作者。", "《红楼梦》——曹雪芹；《西游记》——吴承恩；《水浒传》——施耐庵；《三国演义》——罗贯中。"),
    ("列举五种常见的水果。", "苹果、香蕉、橙子、葡萄、西瓜。"),
    ("列举三个提高睡眠质量的方法。", "1. 每天固定时间上床和起床。\n2. 睡前一小时不看手机。\n3. 保持卧室安静、黑暗、温度适宜。"),
    ("列举中国的四个直辖市。", "北京、上海、天津、重庆。"),
    ("给出三种减少塑料污染的日常做法。", "一是购物时自带布袋；二是少用一次性餐具和吸管；三是做好垃圾分类，让塑料瓶得到回收。"),
    ("列出学习一门外语的四条建议。", "1. 每天坚持听说读写，哪怕只有二十分钟。\n2. 多看原版影视作品，培养语感。\n3. 找语伴练习口语，不怕出错。\n4. 用单词卡片和间隔复习记忆词汇。"),
    ("列举三种常见的编程语言并说明用途。", "Python：数据分析和人工智能；JavaScript：网页前端开发；Java：大型企业后台系统和安卓应用。"),
    ("列举太阳系中的四颗类地行星。", "水星、金星、地球、火星。它们都主要由岩石和金属构成，体积比气态巨行星小得多。"),
    ("列举三种预防感冒的方法。", "勤洗手；多喝水、保证睡眠以增强抵抗力；在流感高发季节少去人多拥挤的地方，必要时戴口罩。"),
    ("列举春节的三个传统习俗。", "贴春联、吃年夜饭、给晚辈发压岁钱。很多地方还有放鞭炮、守岁和拜年的习惯。"),
    ("列举三种在家节约用水的方式。", "1. 刷牙时关掉水龙头。\n2. 用洗菜的水浇花。\n3. 及时修理漏水的水管和马桶。"),
    ("列举四种常见的民族乐器。", "二胡、琵琶、古筝、笛子。"),
    ("列举三个保护视力的好习惯。", "读书写字时保持一尺左右的距离；每用眼四十分钟就远眺休息几分钟；每天坚持两小时户外活动。"),
    ("说出五种哺乳动物。", "大熊猫、老虎、海豚、蝙蝠、骆驼。它们都用乳汁哺育幼崽。"),
    ("列举三种交通工具，并各说一个优点。", "高铁：速度快且准点；自行车：环保又能锻炼身体；飞机：适合远距离出行，节省时间。"),
    ("列举三个提高工作效率的技巧。", "1. 每天早上列出最重要的三件事并优先完成。\n2. 把大任务拆成小步骤。\n3. 集中处理邮件和消息，避免频繁被打断。"),
    ("列举中国的三大平原。", "东北平原、华北平原、长江中下游平原。其中东北平原面积最大。"),
    ("列举三种常见的天气现象。", "下雨、下雪、打雷。此外还有雾、冰雹和台风等。"),
    ("列举面试前应该做的三项准备。", "了解应聘公司的业务和岗位要求；准备好简历和自我介绍；提前确认路线和时间，避免迟到。"),
]

# (instruction, answer)
WRITING = [
    ("写一句关于珍惜时间的句子。", "时间从不等人，今天浪费的每一分钟，都是明天追不回的机会。"),
    ("为一家街角咖啡店写一句广告语。", "转角遇见一杯好咖啡，让忙碌的日子慢下来。"),
    ("写一首关于秋天的四行短诗。", "风把树叶染成金黄，\n稻田弯下沉甸甸的腰，\n大雁排着队飞向南方，\n秋天悄悄写满了收获。"),
    ("用三句话描写雨后的街道。", "雨停了，街道被洗得发亮。路边的积水里倒映着霓虹灯和蓝天。行人收起雨伞，空气里带着泥土的清香。"),
    ("给即将退休的老师写一段感谢的话。", "敬爱的王老师：感谢您几十年来站在讲台上，用耐心和热情点亮了无数学生的梦想。您教给我们的不只是知识，还有做人的道理。祝您退休生活健康快乐！"),
    ("写一段保护环境的倡议，不超过八十字。", "地球是我们共同的家园。让我们从身边小事做起：随手关灯，少用塑料袋，绿色出行，做好垃圾分类，为子孙后代留下一片蓝天碧水。"),
    ("为学校运动会写一句口号。", "奔跑吧少年，挥洒汗水，超越自我，勇争第一！"),
    ("写一段新员工入职第一天的自我介绍。", "大家好，我叫李明，今天正式加入市场部。我之前做过两年的品牌策划，喜欢跑步和摄影。初来乍到，还有很多需要学习的地方，希望以后多多指教！"),
    ("以“钥匙”为主题写一个微型故事。", "小女孩每天都把一把旧钥匙挂在脖子上。有人问她那是哪扇门的钥匙，她笑着说：“是外婆家的门。外婆说，只要我回来，门就永远为我开着。”"),
    ("描写早晨的菜市场。", "天刚亮，菜市场就热闹起来。摊主们忙着摆出带着露水的青菜，鱼贩的水盆里鱼儿扑腾，叫卖声、讨价还价声此起彼伏，整条街都充满了烟火气。"),
    ("为校园读书节写一段开场白。", "老师们、同学们：书是人类进步的阶梯。今天，我们在这里迎来一年一度的读书节。让我们一起走进书的世界，与好书为友，与思想同行！"),
    ("写一条提醒同事参加周五例会的消息。", "各位同事好，提醒一下：本周五下午两点在三楼会议室召开部门例会，请提前准备好本周工作总结，准时参加。谢谢！"),
    ("写一首关于月亮的短诗。", "月亮挂在窗前，\n像一盏不会熄灭的灯，\n照着远行的人，\n也照着等他回家的人。"),
    ("给好朋友写一条生日祝福。", "生日快乐！愿你新的一岁笑容比阳光灿烂，梦想一个个实现，我们的友谊永远不变。"),
    ("用一句话总结《龟兔赛跑》的道理。", "骄傲会让有优势的人失败，而坚持不懈能让落后的人取得胜利。"),
    ("写一段描述家乡春天的文字。", "家乡的春天来得悄无声息。河边的柳树先抽出嫩芽，田野里油菜花连成一片金黄，燕子在屋檐下忙着筑巢，空气里都是泥土和花的香味。"),
    ("为一款轻便跑鞋写一段产品简介。", "这款跑鞋鞋身仅重二百克，采用透气网面和回弹中底，长距离奔跑也不闷脚、不累脚，适合日常慢跑和城市马拉松训练。"),
    ("写一张因病请假一天的请假条。", "尊敬的张老师：我今天早上发烧到三十八度五，需要去医院就诊，特请假一天（某月某日），落下的功课我会尽快补上。请批准。学生：王小红"),
    ("写一段鼓励高考考生的话。", "十二年寒窗，终于到了检验的时刻。放平心态，相信自己，认真对待每一道题。无论结果如何，你们的努力都值得骄傲。加油！"),
    ("以“窗外”为题写一段短文的开头。", "我的书桌正对着一扇窗。窗外有一棵老槐树，春天开满白花，夏天投下浓荫，每当我写作业累了，抬头看看它，心里就安静下来。"),
]

ZH_NAMES = ["小明", "小红", "李华", "王芳", "张伟", "刘洋", "陈静", "赵磊", "孙悦", "周涛"]


def z_total(rng, k):
    n = ZH_NAMES[rng.randrange(len(ZH_NAMES))]
    a, b = rng.randint(15, 60), rng.randint(10, 40)
    if k == 0:
        return (f"{n}有{a}张邮票，朋友又送给他{b}张，现在他一共有多少张邮票？",
                f"原来有{a}张，朋友又送了{b}张，求一共有多少张要用加法：{a}加{b}等于{a + b}。所以他现在一共有{a + b}张邮票。")
    return (f"图书馆上午借出{a}本书，下午借出{b}本，这一天共借出多少本书？请写出算式。",
            f"把上午和下午借出的数量相加，{a}+{b}={a + b}（本）。所以这一天共借出{a + b}本书。")


def z_change(rng, k):
    price, qty = rng.randint(3, 9), rng.randint(2, 6)
    pay = 50 if price * qty < 50 else 100
    if k == 0:
        return (f"一支钢笔{price}元，买{qty}支，付了{pay}元，应找回多少元？",
                f"先算出买钢笔一共花了多少钱：每支{price}元，买了{qty}支，{price}乘{qty}等于{price * qty}元。"
                f"再用付的钱减去总价：{pay}减{price * qty}等于{pay - price * qty}元。所以应该找回{pay - price * qty}元。")
    return (f"妈妈去超市买了{qty}袋牛奶，每袋{price}元，她给收银员{pay}元，能找回几元？",
            f"牛奶总价是{qty}乘以{price}，等于{price * qty}元；{pay}减去{price * qty}得{pay - price * qty}。所以能找回{pay - price * qty}元。")


def z_speed(rng, k):
    v, t = rng.choice([60, 80, 90, 120]), rng.randint(2, 5)
    if k == 0:
        return (f"一辆汽车每小时行驶{v}千米，{t}小时能行驶多少千米？",
                f"路程等于速度乘以时间。汽车每小时行驶{v}千米，一共行驶了{t}小时，{v}乘{t}等于{v * t}。所以{t}小时能行驶{v * t}千米。")
    return (f"从甲地到乙地相距{v * t}千米，一辆货车{t}小时开完全程，它的平均速度是多少？",
            f"速度等于路程除以时间：{v * t}÷{t}={v}（千米/时）。这辆货车的平均速度是每小时{v}千米。")


def z_rect(rng, k):
    l, w = rng.randint(6, 20), rng.randint(3, 9)
    if k == 0:
        return (f"一块长方形菜地长{l}米，宽{w}米，它的面积是多少平方米？",
                f"长方形的面积等于长乘以宽。这块菜地长{l}米、宽{w}米，{l}乘{w}等于{l * w}，所以菜地的面积是{l * w}平方米。")
    return (f"学校要给一个长{l}米、宽{w}米的长方形花坛围上栅栏，栅栏至少要多长？",
            f"需要的栅栏长度就是花坛的周长：({l}+{w})×2={2 * (l + w)}（米）。所以栅栏至少长{2 * (l + w)}米。")


def z_average(rng, k):
    vals = [rng.randint(70, 99) for _ in range(3)]
    vals[-1] += (3 - sum(vals) % 3) % 3
    s = sum(vals)
    if k == 0:
        return (f"小组三名同学的数学成绩分别是{vals[0]}分、{vals[1]}分和{vals[2]}分，平均分是多少？",
                f"求平均分要先把三名同学的成绩加起来，总分是{s}分；再除以人数3，得到平均分是{s // 3}分。")
    return (f"一家文具店连续三天分别卖出{vals[0]}、{vals[1]}、{vals[2]}支铅笔，平均每天卖出多少支？",
            f"三天一共卖出{s}支，再除以3天，得到平均每天卖出{s // 3}支铅笔。")


def z_discount(rng, k):
    p, zhe = rng.choice([100, 200, 240, 300, 500]), rng.choice([7, 8, 9])
    if k == 0:
        return (f"一件衣服原价{p}元，现在打{zhe}折出售，现价是多少元？",
                f"打{zhe}折的意思是按原价的百分之{zhe * 10}出售。原价{p}元，乘以{zhe / 10:g}等于{p * zhe // 10}元，所以现价是{p * zhe // 10}元。")
    return (f"一台电风扇原价{p}元，商场促销打{zhe}折，买它能省下多少钱？",
            f"打{zhe}折后，现价是原价的百分之{zhe * 10}，也就是{p * zhe // 10}元。用原价减去现价，{p}减{p * zhe // 10}等于{p - p * zhe // 10}，所以能省下{p - p * zhe // 10}元。")


def z_ratio(rng, k):
    m, n = rng.choice([(2, 3), (3, 4), (1, 2), (3, 5)])
    unit = rng.choice([6, 8, 10, 12])
    total = unit * (m + n)
    if k == 0:
        return (f"某班共有学生{total}人，男生和女生人数的比是{m}:{n}，女生有多少人？",
                f"男生和女生的比是{m}比{n}，可以把全班人数看作{m + n}份，每份是{total}除以{m + n}，等于{unit}人。"
                f"女生占其中的{n}份，{n}乘{unit}等于{n * unit}，所以女生有{n * unit}人。")
    return (f"把{total}颗糖按{m}比{n}分给姐弟两人，弟弟分得较多的那份，弟弟分到几颗？",
            f"按{m}比{n}分，一共是{m + n}份，每份是{total}除以{m + n}，等于{unit}颗。弟弟得到其中的{n}份，就是{n * unit}颗。")


def z_age(rng, k):
    child = rng.randint(6, 12)
    times = rng.choice([3, 4, 5] if k == 0 else [3, 5])
    if k == 0:
        return (f"今年爸爸的年龄是儿子的{times}倍，儿子今年{child}岁，爸爸比儿子大多少岁？",
                f"儿子今年{child}岁，爸爸的年龄是他的{times}倍，也就是{child * times}岁。两人相差{child * times}减{child}，等于{child * (times - 1)}岁。")
    return (f"奶奶今年{child * times + 40}岁，孙女今年{child}岁，再过几年奶奶的年龄是孙女的{times}倍？设过x年列方程求解。",
            f"设再过x年。那时奶奶的年龄是{child * times + 40}加x岁，孙女是{child}加x岁，根据题意列方程："
            f"{child * times + 40}+x={times}×({child}+x)。整理后得到{times - 1}x=40，解得x={40 / (times - 1):g}。"
            f"所以再过{40 / (times - 1):g}年，奶奶的年龄正好是孙女的{times}倍。")


def z_work(rng, k):
    a, b = rng.choice([(10, 15), (12, 6), (20, 30), (6, 3)])
    together = a * b // (a + b)
    if k == 0:
        return (f"一项工程，甲队单独做要{a}天完成，乙队单独做要{b}天完成，两队合作需要几天？",
                f"把整项工程看作单位1。甲队每天完成它的{a}分之一，乙队每天完成{b}分之一，"
                f"两队合作每天完成的部分相加正好是{together}分之一，所以合作需要{together}天。")
    return (f"一个水池，单开甲管{a}小时注满，单开乙管{b}小时注满，两管同时打开几小时能注满？",
            f"把一池水看作单位1。甲管每小时注入{a}分之一，乙管每小时注入{b}分之一，两管合起来每小时注入{together}分之一，"
            f"因此{together}小时能把水池注满。")


def z_unit(rng, k):
    h, m = rng.randint(1, 4), rng.randint(10, 50)
    if k == 0:
        return (f"一场课外活动持续了{h}小时{m}分钟，换算成分钟一共是多少分钟？",
                f"因为1小时等于60分钟，所以{h}小时就是{60 * h}分钟，再加上{m}分钟，一共是{60 * h + m}分钟。")
    kg = h * 1000 + m * 10
    return (f"一袋大米重{kg}克，合几千克几克？请说明换算过程。",
            f"千克和克之间的进率是一千。把克数除以一千，商就是千克数，余数是剩下的克数，所以这袋大米重{kg // 1000}千克{kg % 1000}克。")


def z_interest(rng, k):
    p, r, y = rng.choice([1000, 2000, 5000]), rng.choice([2, 3]), rng.randint(2, 3)
    i = p * r * y // 100
    if k == 0:
        return (f"王阿姨把{p}元存入银行，年利率{r}%，存{y}年，到期可得利息多少元？（按单利计算）",
                f"按单利计算，利息等于本金乘以年利率再乘以存款的年数。本金是{p}元，年利率百分之{r}，存了{y}年，算下来利息是{i}元。")
    return (f"小刚把压岁钱{p}元存了{y}年定期，年利率是{r}%，到期时本金和利息一共多少元？",
            f"先求利息：本金{p}元乘以年利率百分之{r}，再乘以{y}年，得到{i}元。"
            f"再把利息和本金加起来，{p}加{i}等于{p + i}元，这就是到期时一共能取回的钱。")


ARITH_ZH = [z_total, z_change, z_speed, z_rect, z_average, z_discount, z_ratio, z_age, z_work, z_unit,
            z_interest]

# (instruction, answer)
QA_ZH = [
    ("为什么天空是蓝色的？", "阳光由各种颜色的光组成。进入大气层后，波长较短的蓝光更容易被空气分子散射到四面八方，所以我们抬头看到的天空大多是蓝色的。"),
    ("一年有多少个节气？", "一年有二十四个节气，如立春、雨水、惊蛰、春分等。它们是古人根据太阳在黄道上的位置划分的，用来指导农事活动。"),
    ("人体最大的器官是什么？", "人体最大的器官是皮肤。成年人的皮肤面积大约有一点五到二平方米，它能保护身体、调节体温，还能感受冷热和疼痛。"),
    ("我们为什么要进行垃圾分类？", "垃圾分类可以让可回收物重新利用，减少资源浪费；让有害垃圾得到安全处理，避免污染土壤和水源；还能减少需要填埋和焚烧的垃圾量。"),
    ("在标准大气压下，水的沸点是多少？", "在一个标准大气压下，水的沸点是100摄氏度。在高山上气压较低，水在不到100摄氏度时就会沸腾。"),
    ("地球绕太阳公转一周需要多长时间？", "地球绕太阳公转一周大约需要365天5小时48分，也就是一年。多出来的时间每四年累积成约一天，所以有了闰年。"),
    ("为什么冬天呼气时会看到白雾？", "人呼出的气体温暖而湿润，冬天外面的空气很冷，水蒸气一遇冷就凝结成许多细小的水珠，看起来就像一团白雾。"),
    ("长江最终流入哪里？", "长江发源于青藏高原，自西向东流经十一个省级行政区，最后在上海附近注入东海。"),
    ("世界上海拔最高的山峰是哪座？", "世界最高峰是珠穆朗玛峰，位于中国和尼泊尔边境，海拔约8848.86米。"),
    ("铁为什么会生锈？", "铁和空气中的氧气、水分接触后会发生化学反应，生成红褐色的氧化铁，也就是铁锈。在潮湿的环境里，铁生锈更快。"),
    ("月亮为什么会有阴晴圆缺？", "月亮本身不发光，它反射太阳光。月亮绕地球转动时，我们看到它被照亮部分的大小不断变化，于是出现了新月、上弦月、满月和下弦月。"),
    ("为什么要多吃蔬菜？", "蔬菜富含维生素、矿物质和膳食纤维，热量却较低。多吃蔬菜有助于消化，能增强抵抗力，还能降低患慢性病的风险。"),
    ("声音在空气、水和钢铁中，哪一种里传播最快？", "声音在钢铁中传播最快，其次是水，在空气中最慢。一般来说，介质越致密、越坚硬，声音传得越快。"),
    ("大熊猫主要吃什么？", "大熊猫虽然属于食肉目，但它的食物99%以上是竹子，包括竹叶、竹竿和竹笋。它每天要花十几个小时进食。"),
    ("飞机为什么能飞起来？", "飞机机翼的形状让上方气流速度快、压强小，下方气流速度慢、压强大，上下压强差产生向上的升力。当升力大于飞机的重力时，飞机就飞起来了。"),
    ("为什么会有白天和黑夜？", "地球是一个不透明的球体，并且不停地自转。面向太阳的一面是白天，背向太阳的一面是黑夜，随着地球转动，昼夜就不断交替。"),
    ("中国古代四大发明是哪些？", "中国古代四大发明是造纸术、印刷术、火药和指南针。它们对世界文明的发展产生了深远影响。"),
    ("打雷时为什么总是先看到闪电，后听到雷声？", "闪电和雷声其实是同时产生的，但光每秒能传播约30万千米，而声音在空气中每秒只传播约340米，所以我们总是先看到闪电。"),
    ("为什么运动前要热身？", "热身能让心跳和体温逐渐升高，使肌肉和关节变得灵活，减少拉伤和扭伤的风险，也能让身体更快进入运动状态。"),
    ("植物的根有什么作用？", "根能把植物牢牢固定在土壤里，还能从土壤中吸收水分和无机盐，输送到茎和叶。有些植物的根还能储存养分，比如萝卜和红薯。"),
]

# (instruction, passage, answer): long records, used as near-duplicate bases
LONG_ZH = [
    ("阅读下面的材料，说说二十四节气是怎样产生的。",
     "二十四节气是中国古人通过观察太阳一年中的运行规律而总结出来的。他们把太阳在黄道上运行一周分为二十四等份，每一份对应一个节气，如立春、清明、夏至、秋分、冬至等。节气反映了季节、气候和物候的变化，长期以来被农民用来安排播种和收获，被称为“中国的第五大发明”。",
     "根据材料，二十四节气是古人观察太阳运行规律得出的：把太阳在黄道上运行一周平均分成二十四份，每份就是一个节气。它反映季节和气候的变化，主要用来指导农业生产。"),
    ("根据下面的介绍，概括长城的作用。",
     "长城是中国古代规模最大的军事防御工程。从春秋战国时期开始，各国就修筑城墙来抵御外敌，秦始皇统一六国后把它们连接起来。后来的朝代又多次修建，现存的长城大多是明朝修建的。长城上设有烽火台，一旦发现敌情，守军就点燃烽火，把消息迅速传递出去。",
     "材料说明，长城主要是古代的军事防御工程，用来抵御外敌入侵；长城上的烽火台还能迅速传递敌情。因此长城的作用是防御和报警。"),
    ("读一读这段文字，回答：茶是怎样传到世界各地的？",
     "中国是茶的故乡，早在几千年前人们就开始种茶、饮茶。唐朝时，陆羽写成了《茶经》，饮茶之风盛行全国。随后，茶叶沿着丝绸之路和茶马古道传到西亚和西藏，又经海路传入日本、欧洲等地。十七世纪以后，喝茶逐渐成为英国人生活中的重要习惯。",
     "从文字中可以看出，茶叶先在中国普及，然后沿丝绸之路和茶马古道传到西亚、西藏，又通过海上贸易传到日本和欧洲，后来在英国也流行起来。"),
    ("阅读材料，说明大熊猫为什么被称为“活化石”。",
     "大熊猫在地球上已经生活了至少八百万年，和它同时代的许多动物都已灭绝，而大熊猫却一直生存到今天。它的祖先原本是吃肉的，后来逐渐适应了以竹子为主要食物的生活。由于数量稀少、分布范围狭窄，大熊猫被列为国家一级保护动物，也是世界自然基金会的标志。",
     "材料指出，大熊猫已经在地球上生存了至少八百万年，同时期的许多动物都灭绝了，它却保留至今，所以被称为“活化石”。"),
    ("根据材料，简要说明造纸术的意义。",
     "在纸发明之前，人们把字写在竹简、木牍或丝帛上。竹简笨重，丝帛昂贵，都不便于普及。东汉时，蔡伦总结前人的经验，用树皮、麻头、破布和旧渔网造出了又轻又便宜的纸。造纸术后来传到朝鲜、日本、阿拉伯和欧洲，大大促进了文化的传播。",
     "材料说明，造纸术让书写材料变得轻便、便宜，取代了笨重的竹简和昂贵的丝帛；它传到世界各地后，大大促进了文化和知识的传播。"),
    ("阅读下面的短文，说说垃圾分类有哪几类。",
     "我们的城市每天产生大量生活垃圾。为了更好地回收和处理，很多城市把垃圾分为四类：可回收物，如纸张、塑料瓶和金属罐；厨余垃圾，如剩饭菜和果皮；有害垃圾，如废电池、过期药品和废灯管；其他垃圾，如用过的纸巾和烟头。分类投放后，不同的垃圾会被送往不同的地方处理。",
     "短文把生活垃圾分成四类：可回收物、厨余垃圾、有害垃圾和其他垃圾。分类投放后，各类垃圾会被分别运走处理。"),
]


# ------------------------------------------------------------------------------------------------
# English chain-of-thought records
# ------------------------------------------------------------------------------------------------

TRIGGERS = [
    "Let's think first. Some quick reasoning:",
    "Think it through step by step.",
    "Reason briefly, then give the answer.",
    "Stream of consciousness first:",
    "Let's work it out carefully.",
    "Show the reasoning before the answer.",
    "Give your reasoning, then answer.",
    "Be careful and explain yourself.",
]
FINALS = ["So the answer is {a}.", "The final answer: {a}.", "Therefore, the answer is {a}.",
          "Hence the answer is {a}.", "The answer is {a}."]


def options_block(rng: random.Random, correct, distractors) -> tuple[str, str]:
    """Five lettered options in Alpaca-CoT AQuA style; returns (text, correct letter)."""
    opts = [correct] + list(distractors)[:4]
    rng.shuffle(opts)
    letters = "ABCDE"
    text = NL.join(f"({letters[i]}) {o}" for i, o in enumerate(opts))
    return text, f"({letters[opts.index(correct)]})"


def english_records(rng: random.Random) -> list[dict]:
    out: list[dict] = []
    # Arithmetic word problems: every template has two phrasings and is used twice.
    for t_i, template in enumerate(ARITHMETIC_TEMPLATES):
        for k in range(2):
            q, reasoning, answer, distractors, with_options = template(rng, k)
            trig = TRIGGERS[(t_i * 2 + k) % len(TRIGGERS)]
            final = FINALS[(t_i + k) % len(FINALS)]
            if with_options:
                opts, letter = options_block(rng, answer, distractors)
                instruction = f"Question: {q}{NL}Options:{NL}{opts} {trig}" if k == 0 else f"{q}{NL}Options:{NL}{opts}{NL}{trig}"
                output = f"{reasoning} {final.format(a=letter)}"
            else:
                instruction = f"{q} {trig}"
                output = f"{reasoning} {final.format(a=answer)}"
            out.append(rec(instruction, output))
    # Common-sense claims (CREAK style).
    claim_forms = [
        'Claim: "{c}"' + NL + "Is the claim above correct, and can it be verified by human common sense and without a web search?" + NL + "Options:" + NL + "- yes" + NL + "- no {t}",
        "{c}" + NL + "Is the above claim true?" + NL + "Options:" + NL + "- yes" + NL + "- no",
        "Is the following sentence factually correct?" + NL + '"{c}"' + NL + "Options:" + NL + "- yes" + NL + "- no {t}",
        'Yes or no: is this a verifiable fact?' + NL + '"{c}"',
        '"{c}"' + NL + "Does the sentence above make sense and is it true? {t}",
    ]
    claim_finals = ["So the answer is {a}.", "The answer is {a}.", "Therefore, the final answer is {a}.",
                    "So, the answer is {a}.", "The final answer: {a}."]
    for i, (claim, answer, reason) in enumerate(CLAIMS):
        form = claim_forms[i % len(claim_forms)]
        out.append(rec(form.format(c=claim, t=TRIGGERS[i % len(TRIGGERS)]),
                       f"{reason} {claim_finals[(i // 2) % len(claim_finals)].format(a=answer)}"))
    # Sense-making: which of two sentences is against common sense.
    sm_forms = [
        "Which of the following two sentences does not make sense?" + NL + "Options:" + NL + '- Sentence A: "{a}"' + NL + '- Sentence B: "{b}"' + NL,
        "Of the following two sentences, which one is against common sense?" + NL + "Options:" + NL + '- Sentence A: "{a}"' + NL + '- Sentence B: "{b}"' + NL + " {t}",
        "{t} Pick the sentence that is nonsensical." + NL + "Options:" + NL + '- Sentence A: "{a}"' + NL + '- Sentence B: "{b}"',
        'One of the following sentences is illogical. Which one is it?' + NL + 'Options:' + NL + '- Sentence A: "{a}"' + NL + '- Sentence B: "{b}"' + NL,
    ]
    for i, (sensible, odd, reason) in enumerate(SENSEMAKING):
        a, b, ans = (odd, sensible, "Sentence A") if i % 2 else (sensible, odd, "Sentence B")
        sep = NL if i % 3 == 0 else " "
        out.append(rec(sm_forms[i % len(sm_forms)].format(a=a, b=b, t=TRIGGERS[(i + 3) % len(TRIGGERS)]),
                       f"{reason}{sep}{FINALS[i % len(FINALS)].format(a=ans)}"))
    # Multiple-choice common-sense questions (ECQA style).
    for i, (question, options, answer, reason) in enumerate(ECQA):
        opts = list(options)
        rng.shuffle(opts)
        block = NL.join(f"- {o}" for o in opts)
        trig = TRIGGERS[(i + 5) % len(TRIGGERS)]
        instruction = f"{question}{NL}Options:{NL}{block} {trig}" if i % 2 else f"{trig} {question}{NL}Options:{NL}{block}"
        out.append(rec(instruction, f"{reason} So the final answer is {answer}."))
    # Science explanations and geography questions.
    sci_forms = ["{q} Explain your reasoning.", "Answer the question and explain why." + NL + "{q}",
                 "{q} Think it through before answering.", "Question: {q}" + NL + "Reasoning and answer:"]
    for i, (q, a) in enumerate(SCIENCE):
        out.append(rec(sci_forms[i % len(sci_forms)].format(q=q), a))
    geo_forms = ["{q}", "{q} Let's reason it out.", "Geography question: {q}", "{q}" + NL + "Answer with a short explanation."]
    for i, (q, a) in enumerate(GEOGRAPHY):
        out.append(rec(geo_forms[i % len(geo_forms)].format(q=q), a))
    # Reading comprehension with a passage in `input` (long: these are the near-duplicate bases).
    for instruction, passage, answer in LONG_EN:
        out.append(rec(instruction, answer, input=passage))
    out.append(rec(**HTML_RECORD))
    return out


# ------------------------------------------------------------------------------------------------
# Chinese instruction records
# ------------------------------------------------------------------------------------------------

def chinese_records(rng: random.Random) -> list[dict]:
    out: list[dict] = []
    explain_forms = ["请解释什么是{x}。", "用简单的语言解释一下{x}。", "{x}是什么意思？", "向一个小学生解释{x}。",
                     "简要说明{x}的含义。"]
    for i, (concept, text) in enumerate(EXPLAIN):
        out.append(rec(explain_forms[i % len(explain_forms)].format(x=concept), text))
    en_zh_forms = ["把下面的句子翻译成中文。", "请将这句英文翻译成中文：", "翻译成中文。", "将以下英文句子译为汉语。"]
    for i, (en, zh) in enumerate(TRANSLATE_EN_ZH):
        out.append(rec(en_zh_forms[i % len(en_zh_forms)], zh, input=en))
    for i, (zh, en) in enumerate(TRANSLATE_ZH_EN):
        out.append(rec("把下面这句话翻译成英文。" if i % 2 else "请翻译成英语：", en, input=zh))
    for instruction, answer in LIST_TASKS:
        out.append(rec(instruction, answer))
    for instruction, answer in WRITING:
        out.append(rec(instruction, answer))
    for t_i, template in enumerate(ARITH_ZH):
        for k in range(2):
            q, a = template(rng, k)
            out.append(rec(q, a))
    for instruction, answer in QA_ZH:
        out.append(rec(instruction, answer))
    for instruction, passage, answer in LONG_ZH:
        out.append(rec(instruction, answer, input=passage))
    return out


# ================================================================================================
# Mixed records with a Data-Juicer `meta` object
# ================================================================================================

def meta(dataset: str, lang: str, task: str, **extra) -> dict:
    m = {"Dataset": dataset, "Lang": lang, "Task": task,
         "origin_path": f"sftmart-sample/{dataset}/with_meta.jsonl"}
    m.update(extra)
    return m


MIXED_EN = [
    rec("Rewrite the sentence in the passive voice.",
        "The new budget was approved by the committee on Monday. The object of the active sentence becomes the subject, and the verb takes the form 'was approved by'.",
        input="The committee approved the new budget on Monday.",
        meta=meta("instruct-style", "EN", "MT", Gen="HG")),
    rec("Give two reasons why cities plant trees along their streets.",
        "First, trees shade pavements and buildings, which keeps streets cooler in summer. Second, their leaves trap dust and absorb some pollution, so the air is cleaner for people walking by.",
        meta=meta("instruct-style", "EN", "MT")),
    rec("Classify the animal as a mammal, bird, reptile or fish: salmon. Explain briefly.",
        "A salmon lives in water, breathes through gills and has fins and scales. Those are features of fish, so the answer is fish.",
        meta=meta("cot-style", "EN", "TS", IFT=True)),
    rec("Suggest a title for a short story about a lighthouse keeper who finds a message in a bottle.",
        "\"The Keeper and the Bottle\" works well: it names both the main character and the object that starts the story, and it hints at a mystery without giving it away.",
        meta=meta("instruct-style", "EN", "MT")),
    rec("Premise: \"The bakery was closed all weekend for repairs.\"" + NL + "Hypothesis: \"Customers bought fresh bread at the bakery on Saturday.\"" + NL + "Does the premise entail the hypothesis?" + NL + "Options:" + NL + "- yes" + NL + "- no" + NL + "- it is not possible to tell",
        "Saturday is part of the weekend, and the bakery was closed then, so nobody could buy bread there. The answer is no.",
        meta=meta("xp3-style", "EN", "MT", Gen="COL")),
    rec("Convert 5 kilometres to miles and show the calculation.",
        "One kilometre is about 0.621 miles. Multiplying, 5 x 0.621 = 3.105, so 5 kilometres is roughly 3.1 miles.",
        meta=meta("cot-style", "EN", "TS")),
    rec("Explain what a haiku is and give an example.",
        "A haiku is a short Japanese poem of three lines with five, seven and five syllables. Example:" + NL + "Cold rain on the roof" + NL + "the kettle begins to sing" + NL + "someone is home now",
        meta=meta("instruct-style", "EN", "MT")),
    rec("Correct the grammar in this sentence: \"She don't like going to the dentist.\"",
        "The subject \"she\" is third person singular, so the verb must be \"doesn't\". Corrected: \"She doesn't like going to the dentist.\"",
        meta=meta("instruct-style", "EN", "MT")),
]

MIXED_ZH = [
    rec("句子一：他昨天晚上去电影院看了一部新上映的电影。句子二：他昨晚不在家。问题：根据句子一，句子二是正确、错误还是无法判断？",
        "正确。他昨晚去了电影院，说明那段时间他不在家。",
        meta=meta("xp3-style", "CH", "MT", Gen="COL")),
    rec("文章：小镇的图书馆每周二和周四晚上延长开放到九点，方便下班的人借书。问题：图书馆哪几天晚上开到九点？",
        "根据文章，图书馆每周二和周四晚上开放到九点。",
        meta=meta("xp3-style", "CH", "MT")),
    rec("把下面这句话改写得更礼貌一些。", "麻烦您把那份文件递给我，好吗？谢谢！", input="把文件给我。",
        meta=meta("belle-style", "CH", "MT", Gen="SI")),
    rec("判断下面这条评论是正面的还是负面的，并说明理由：这家店上菜太慢了，端上来的菜都凉了。",
        "负面。评论抱怨上菜慢、菜凉了，表达的是不满。",
        meta=meta("belle-style", "CH", "TS")),
    rec("给这个新闻标题分类（体育、科技、财经、娱乐）：国产大型客机完成首次商业载客飞行。",
        "科技。标题讲的是国产客机的研制和投入运营，属于航空科技领域。",
        meta=meta("xp3-style", "CH", "MT")),
    rec("解释俗语“欲速则不达”，并举一个生活中的例子。",
        "意思是做事一味求快，反而达不到目的。比如写作业时为了快点玩而马马虎虎，结果错误太多，只好全部重写，花的时间更多。",
        meta=meta("belle-style", "CH", "MT")),
    rec("用“虽然……但是……”造一个句子。", "虽然今天下着大雨，但是同学们都准时到了学校。",
        meta=meta("belle-style", "CH", "MT")),
    rec("为下面这段话拟一个标题。",
        "标题：《老街的变与不变》",
        input="老街上的青石板路已经修整一新，两旁开起了咖啡馆和文创小店，可巷口那家卖了三十年豆花的小摊，依旧每天清晨准时支起摊子。",
        meta=meta("belle-style", "CH", "MT")),
    # Cleaning strips the tags, the link and the e-mail address; what is left is a good record.
    rec("整理下面的社区通知，只保留活动要点。",
        "本周六上午九点，社区活动中心一楼举办免费义诊，居民可以提前报名参加。",
        input="<p>本周六上午九点，社区活动中心一楼将举办<b>免费义诊</b>活动，欢迎居民参加。</p>报名请访问 https://community.example.cn/signup 或发邮件至 service@community.example.cn 。",
        meta=meta("belle-style", "CH", "MT")),
    rec("阅读下面这段话，概括它的主要内容。",
        "这段话讲的是高铁带来的变化：出行时间大大缩短，城市之间的联系更紧密，人们可以在一座城市工作、在另一座城市生活。",
        input="过去从北京到上海坐火车要十几个小时，如今乘坐高铁只需四个多小时。高铁让城市之间的距离仿佛缩短了，越来越多的人周末去邻近城市旅游，有的人甚至在一座城市工作，在另一座城市安家，每天乘高铁往返。",
        meta=meta("belle-style", "CH", "MT")),
]

MIXED_OTHER = [
    rec("Explique pourquoi le ciel est bleu en deux phrases.",
        "La lumière du Soleil est diffusée par les molécules de l'air, et la lumière bleue est bien plus diffusée que la rouge. C'est pourquoi le ciel nous paraît bleu pendant la journée.",
        meta=meta("xp3-style", "ML", "MT")),
    rec("Donne trois conseils pour bien dormir.",
        "1. Se coucher et se lever à heures fixes." + NL + "2. Éviter les écrans une heure avant le coucher." + NL + "3. Garder la chambre fraîche, calme et sombre.",
        meta=meta("xp3-style", "ML", "MT")),
    rec("Escribe tres consejos para ahorrar agua en casa.",
        "1. Cierra el grifo mientras te cepillas los dientes." + NL + "2. Repara las fugas cuanto antes." + NL + "3. Usa la lavadora solo con la carga completa.",
        meta=meta("xp3-style", "ML", "MT")),
]


# ================================================================================================
# Planted problems
# ================================================================================================

def near_variant(r: dict, edits: list[tuple[str, str]], **extra) -> dict:
    """A copy of r with a word or two (zh: a character or two) changed in the input passage."""
    v = dict(r, **extra)
    for old, new in edits:
        field = next(f for f in ("input", "output", "instruction") if old in v[f])
        v[field] = v[field].replace(old, new, 1)
    return v


def shout(r: dict) -> dict:
    return dict(r, instruction=r["instruction"].upper(), output=r["output"].upper())


def lower(r: dict) -> dict:
    return dict(r, instruction=r["instruction"].lower(), output=r["output"].lower())


def respace(r: dict) -> dict:
    """Same words, different whitespace: doubled spaces, a tab, trailing blanks."""
    return dict(r, instruction="  " + r["instruction"].replace(" ", "  ", 3) + " \t",
                output=r["output"].replace(". ", ".   ") + "\n")


def repunct(r: dict) -> dict:
    """Same words, different punctuation."""
    out = r["output"]
    out = (out[:-1] + "!") if out.endswith((".", "。")) else out + "!"
    return dict(r, instruction=r["instruction"].replace("?", " ?").replace("？", "?"),
                output=out.replace(",", "", 1).replace("，", ",", 1))


def junk_en(rng: random.Random) -> list[tuple[str, dict]]:
    symbols = "@#$%^&*()_+{}|:<>?~=-[]\\;',./`!"
    spam = "".join(rng.choice(symbols) for _ in range(160))
    urls = " ".join(f"http://cheap-deals-{i}.example.com/offer?id={rng.randint(1000, 9999)}" for i in range(8))
    return [
        ("too short", rec("hi", "ok")),
        ("too short", rec("Answer?", "Yes.")),
        ("character repetition", rec("Say something funny.", "ha" * 50)),
        ("symbols only", rec("Draw a divider line", spam)),
        ("URL spam (nothing left after cleaning)", rec("Links", urls)),
        ("HTML tags only (nothing left after cleaning)",
         rec("<div><span></span></div>", "<div class=\"ad\"><img src=\"banner.png\"/><br/><span><a href=\"#\"></a></span></div>" * 4)),
        ("flagged words", rec("Write a product description.",
                              "Hot sexy nude models, free porn and xxx videos every day. Join our porn site now for the best xxx deals and nude pics.")),
        ("word repetition", rec("Describe your weekend.", "I went to the shop and bought some bread. " * 12)),
        ("no line of 20 characters (max_line_length)", rec("List colours", NL.join(["red", "blue", "green", "pink", "gold", "gray", "teal"]))),
    ]


def junk_zh() -> list[tuple[str, dict]]:
    return [
        ("too short", rec("你好", "好的")),
        ("character repetition", rec("讲个笑话", "哈" * 80)),
        ("symbols only", rec("画一条分隔线", "！！！……。。。？？？～～～【】【】《》《》！！！……。。。？？？～～～" * 3)),
        ("URL spam (nothing left after cleaning)", rec("点击领取", " ".join(f"https://hongbao{i}.example.cn/get?u={i * 37}" for i in range(6)))),
    ]


def junk_mixed() -> list[tuple[str, dict]]:
    return [
        ("emoji spam (special characters)", rec("Reply with emoji only", "😂🤣🔥💯" * 30, meta=meta("instruct-style", "EN", "MT"))),
        ("word repetition", rec("Type a test message.", "test " * 60, meta=meta("instruct-style", "EN", "MT"))),
    ]


# (base index, edits) for the near-duplicates
NEAR_EN = [(0, [("small pores", "tiny pores")]),
           (1, [("tiny specks", "small specks"), ("grow heavy", "grow large")]),
           (2, [("fell sharply", "fell quickly")]),
           (3, [("rich patch", "large patch"), ("on the honeycomb", "on the comb")]),
           (4, [("magma is lighter", "magma is less dense")]),
           (5, [("brought back horses", "brought back camels")]),
           (6, [("recognise it quickly", "recognise it rapidly"), ("before serious illness", "before severe illness")])]
NEAR_EN_MIXED = (7, [("roughly every day", "about every day")])
NEAR_ZH = [(0, [("总结出来", "归纳出来")]),
           (1, [("迅速传递", "很快传递")]),
           (2, [("饮茶之风盛行全国", "饮茶之风风行全国")]),
           (3, [("分布范围狭窄", "分布范围很小")]),
           (4, [("又轻又便宜", "又轻又便宜实用")])]
NEAR_ZH_MIXED = (5, [("分为四类", "分为四大类")])
NEAR_MIXED_OWN = (9, [("四个多小时", "四个半小时")])


def build() -> dict[str, list[tuple[str, str, dict]]]:
    """Per output file, the records in file order as (kind, note, record)."""
    rng = random.Random(SEED)
    en = english_records(rng)
    zh = chinese_records(rng)
    n_arith, n_claims, n_sm, n_ecqa = 2 * len(ARITHMETIC_TEMPLATES), len(CLAIMS), len(SENSEMAKING), len(ECQA)
    i_claims, i_sm = n_arith, n_arith + n_claims
    i_ecqa, i_sci = i_sm + n_sm, i_sm + n_sm + n_ecqa
    i_geo = i_sci + len(SCIENCE)
    i_long = i_geo + len(GEOGRAPHY)
    z_long = len(zh) - len(LONG_ZH)
    z_list = len(EXPLAIN) + len(TRANSLATE_EN_ZH) + len(TRANSLATE_ZH_EN)
    z_writing = z_list + len(LIST_TASKS)
    z_qa = z_long - len(QA_ZH)

    en_file = [("unique", "", r) for r in en]
    en_file += [
        ("exact_dup", "identical copy", dict(en[i_claims + 3])),
        ("exact_dup", "identical copy", dict(en[i_sm + 4])),
        ("exact_dup", "identical copy", dict(en[5])),
        ("exact_dup", "lower-cased copy", lower(en[i_ecqa + 2])),
        ("exact_dup", "upper-cased copy", shout(en[i_geo + 1])),
        ("exact_dup", "whitespace changed", respace(en[i_sci + 2])),
        ("exact_dup", "whitespace changed", respace(en[i_claims + 10])),
        ("exact_dup", "punctuation changed", repunct(en[i_ecqa + 7])),
    ]
    en_file += [("near_dup", f"{len(e)} edit(s) of the passage record #{b}", near_variant(en[i_long + b], e))
                for b, e in NEAR_EN]
    en_file += [("junk", why, r) for why, r in junk_en(rng)]

    zh_file = [("unique", "", r) for r in zh]
    zh_file += [
        ("exact_dup", "identical copy", dict(zh[3])),
        ("exact_dup", "identical copy", dict(zh[z_writing + 2])),
        ("exact_dup", "whitespace changed", respace(zh[z_list + 1])),
        ("exact_dup", "punctuation changed", repunct(zh[z_qa + 6])),
    ]
    zh_file += [("near_dup", f"{len(e)} edit(s) of the passage record #{b}", near_variant(zh[z_long + b], e))
                for b, e in NEAR_ZH]
    zh_file += [("junk", why, r) for why, r in junk_zh()]

    mixed_file = [("unique", "", r) for r in MIXED_EN + MIXED_ZH]
    mixed_file += [("other_lang", "French/Spanish: dropped by language tagging", r) for r in MIXED_OTHER]
    b, e = NEAR_EN_MIXED
    b2, e2 = NEAR_ZH_MIXED
    b3, e3 = NEAR_MIXED_OWN
    mixed_file += [
        ("exact_dup", "copy of a record in cot-en/reasoning.json",
         dict(en[i_sci + 5], meta=meta("cot-style", "EN", "TS"))),
        ("exact_dup", "copy of a record in alpaca-zh/instructions.json, whitespace changed",
         dict(respace(zh[z_qa + 2]), meta=meta("belle-style", "CH", "MT"))),
        ("exact_dup", "lower-cased copy of a record in this file", lower(MIXED_EN[1])),
        ("near_dup", "edit of a passage record in cot-en/reasoning.json",
         near_variant(en[i_long + b], e, meta=meta("cot-style", "EN", "TS"))),
        ("near_dup", "edit of a passage record in alpaca-zh/instructions.json",
         near_variant(zh[z_long + b2], e2, meta=meta("belle-style", "CH", "MT"))),
        ("near_dup", "edit of a record in this file", near_variant(MIXED_ZH[b3], e3)),
    ]
    mixed_file += [("junk", why, r) for why, r in junk_mixed()]

    # Interleave the planted records with the good ones (deterministically).
    for lst in (en_file, zh_file, mixed_file):
        rng.shuffle(lst)
    return {"cot-en/reasoning.json": en_file, "alpaca-zh/instructions.json": zh_file,
            "mixed/with_meta.jsonl": mixed_file}


BAD_LINES = [
    json.dumps(rec("Name the largest planet in the Solar System and give one fact about it.",
                   "Jupiter is the largest planet. It is a gas giant more than eleven times as wide as Earth.")),
    '{"instruction": "What is the boiling point of water?", "input": "", "output": "100 degrees Celsius at sea level',
    "[1, 2]",
    json.dumps(rec("What is six times seven? Answer with a number.", 42)),
    json.dumps({"input": "", "output": "This record has no instruction field, so it cannot be turned into a prompt."}),
]
NOTES_TXT = """These are free-form notes, not instruction data.
A .txt file has no records the landing step can read, so it is quarantined as an unsupported file type.
"""


# ================================================================================================
# Checks
# ================================================================================================

def lang_of(path: str, r: dict) -> str:
    if "meta" in r and r["meta"].get("Lang") == "ML":
        return "other"
    text = r["instruction"] + str(r["input"])
    return "zh" if re.search(r"[\u4e00-\u9fff]", text) else "en"


def exact_key(r: dict) -> str:
    """The pipeline's exact-dedup key: lower-cased cleaned text with only letters and digits kept."""
    return "".join(ch for ch in cleaned_text(r).lower() if ch.isalnum())


def shingle_set(text: str, lang: str, n: int = 5) -> set[bytes]:
    from udfs.minhash import shingles

    return set(shingles(text, lang, n))


def jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def check(files: dict[str, list[tuple[str, str, dict]]]) -> dict[str, int]:
    rows = [(p, kind, r) for p, lst in files.items() for kind, _, r in lst]
    keys = [exact_key(r) for _, _, r in rows]
    # Every planted exact duplicate collides with an earlier-or-later good record; nothing else does.
    for i, (p, kind, r) in enumerate(rows):
        same = [j for j, k in enumerate(keys) if k == keys[i] and j != i]
        if kind == "exact_dup":
            assert any(rows[j][1] != "exact_dup" for j in same), (p, r)
        else:
            assert all(rows[j][1] == "exact_dup" for j in same), (p, r, [rows[j][2] for j in same])
    # Near duplicates: similar to their base; all other distinct pairs well below the threshold
    # (with and without lower-casing, since the shingler takes the text as it is given).
    worst, closest_near = 0.0, 1.0
    near_found = 0
    for fold in (str.lower, str):
        sh = [shingle_set(fold(cleaned_text(r)), lang_of(p, r)) for p, _, r in rows]
        near_found = 0
        for i in range(len(rows)):
            for j in range(i + 1, len(rows)):
                if keys[i] == keys[j]:
                    continue
                jac = jaccard(sh[i], sh[j])
                if "near_dup" in (rows[i][1], rows[j][1]) and jac >= 0.7:
                    assert jac >= 0.75, (jac, rows[i][2], rows[j][2])
                    closest_near = min(closest_near, jac)
                    near_found += 1
                else:
                    worst = max(worst, jac)
                    assert jac < 0.5, (jac, rows[i][2], rows[j][2])
    counts: dict[str, int] = {}
    for _, kind, _ in rows:
        counts[kind] = counts.get(kind, 0) + 1
    assert near_found == counts["near_dup"], (near_found, counts)
    # Output lengths of the good records.
    for p, kind, r in rows:
        if kind in ("unique", "other_lang"):
            n = len(str(r["output"]).replace(NL, "\n"))
            assert 10 <= n <= 400 or lang_of(p, r) == "zh", (n, r)
    print(f"check ok: planted near-duplicates have Jaccard >= {closest_near:.2f} to their base; the most "
          f"similar other pair of distinct records has {worst:.2f}", file=sys.stderr)
    return counts


def cleaned_text(r: dict) -> str:
    """The pipeline's sample text (dbt macros clean_text + sample_text), re-done in Python."""
    def clean(t: str) -> str:
        t = unicodedata.normalize("NFC", t)
        if "\n" not in t and NL in t:
            t = t.replace(NL, "\n")
        t = re.sub(r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>", "", t)
        t = re.sub(r"(https?|ftp)://[^\s<>\"']+|www\.[^\s<>\"']+", "", t)
        t = re.sub(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}", "", t)
        t = re.sub(r"[\t\u00a0\u2000-\u200b\u3000\ufeff]", " ", t)
        t = re.sub(r"([^\s]) {2,}", r"\1 ", t)
        t = re.sub(r" +\n", "\n", t)
        return re.sub(r"\n{3,}", "\n\n", t).strip(" \n")
    return "\n".join(x for x in (clean(str(r[f])) for f in ("instruction", "input", "output")) if x)


def quality_check(files: dict[str, list[tuple[str, str, dict]]]) -> None:
    """Good records pass every threshold of seeds/quality_thresholds.csv and junk fails one (uses the
    project's udfs.text_stats.reference_stats; skipped when it cannot be imported)."""
    try:
        sys.path.insert(0, str(REPO))
        from udfs.text_stats import reference_stats
    except Exception as exc:  # pragma: no cover - depends on the checkout
        print(f"quality check skipped: {exc}", file=sys.stderr)
        return
    limits: dict[str, dict[str, tuple]] = {}
    with open(REPO / "dbt_project" / "seeds" / "quality_thresholds.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            lo = float(row["min_value"]) if row["min_value"] else None
            hi = float(row["max_value"]) if row["max_value"] else None
            limits.setdefault(row["lang"], {})[row["stat"]] = (lo, hi)
    for rel, lst in files.items():
        for kind, note, r in lst:
            lang = lang_of(rel, r)
            if lang not in limits:
                continue
            stats = reference_stats(cleaned_text(r), lang)
            failed = [k for k, (lo, hi) in limits[lang].items()
                      if (lo is not None and stats[k] < lo) or (hi is not None and stats[k] > hi)]
            assert bool(failed) == (kind == "junk"), (rel, kind, note, failed, r)
    print("quality check ok: every good record passes the thresholds, every junk record fails one",
          file=sys.stderr)


# ================================================================================================
# Writing
# ================================================================================================

def write(files: dict[str, list[tuple[str, str, dict]]], out: Path) -> None:
    for rel, lst in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        records = [r for _, _, r in lst]
        if rel.endswith(".jsonl"):
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        else:
            text = "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"
        path.write_text(text, encoding="utf-8")
    broken = out / "broken"
    broken.mkdir(parents=True, exist_ok=True)
    (broken / "bad_lines.jsonl").write_text("\n".join(BAD_LINES) + "\n", encoding="utf-8")
    (broken / "notes.txt").write_text(NOTES_TXT, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=OUT, help="output folder (default: sample_data/alpaca-cot)")
    ap.add_argument("--check", action="store_true", help="verify the planted problems and report counts")
    ap.add_argument("--list", action="store_true", help="print every planted record with its position")
    args = ap.parse_args(argv)
    files = build()
    write(files, args.out)
    for rel, lst in files.items():
        kinds: dict[str, int] = {}
        for kind, _, _ in lst:
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"{rel}: {len(lst)} records {kinds}")
        if args.list:
            for i, (kind, note, r) in enumerate(lst):
                if kind != "unique":
                    print(f"  [{i}] {kind}: {note}: {str(r['instruction'])[:60]!r}")
    if args.check:
        print("totals:", check(files))
        quality_check(files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

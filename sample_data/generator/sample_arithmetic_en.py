"""English arithmetic word problems for the bundled sample (sample_data/generator/make_sample.py): each template
takes (rng, k), k in {0, 1} choosing one of two phrasings, and returns
(question, reasoning, answer, distractors or None, whether to show lettered options)."""

from __future__ import annotations

import random

NAMES = (
    "Maya Daniel Priya Omar Lena Tomás Grace Kenji Fatima Lucas "
    "Hannah Ravi Sofia Ethan Amara Felix Chloe Yusuf Nora Leo"
).split()


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
    r = (
        f"First find the size of the discount: {pct} percent of {p} dollars is {off} dollars. "
        f"Then subtract it from the original price, which leaves {p - off} dollars."
    )
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
    r = (
        f"To get the mean, add up all four numbers and divide by how many there are. "
        f"The sum is {sum(vals)}, and dividing it by 4 gives {mean}."
    )
    return q, r, mean, _near(rng, mean, step=2), True


def a_perimeter(rng, k):
    length, w = rng.randint(8, 30), rng.randint(3, 12)
    if k == 0:
        q = f"A vegetable patch is {length} m long and {w} m wide. How much fencing is needed to go all the way around it?"
        r = (
            f"The fence runs along all four sides, so we need the perimeter of the rectangle, which is "
            f"twice the sum of length and width: 2 x ({length} + {w}) = {2 * (length + w)} metres."
        )
        return q, r, 2 * (length + w), _near(rng, 2 * (length + w), step=2), True
    q = f"What is the area of a rectangular classroom floor measuring {length} metres by {w} metres?"
    r = f"The area of a rectangle equals its length times its width, and here that is {length} x {w} = {length * w} square metres."
    return q, r, length * w, _near(rng, length * w, step=4), True


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
        r = (
            f"Every year the account pays {r_} percent of {P}, which is {P * r_ // 100} dollars. "
            f"Over {t} years she therefore earns {P * r_ // 100} x {t} = {i} dollars in interest."
        )
    return q, r, i, _near(rng, i, step=max(5, i // 8)), True


def a_work(rng, k):
    x, y = rng.choice([(3, 6), (4, 12), (6, 12), (10, 15), (12, 24), (20, 30)])
    tog = x * y / (x + y)
    a, b = rng.sample(NAMES, 2)
    if k == 0:
        q = f"{a} can paint a fence alone in {x} hours and {b} can paint it alone in {y} hours. How long will it take them working together?"
    else:
        q = f"One pipe fills a tank in {x} hours and a second pipe fills it in {y} hours. If both pipes are open, how many hours does it take to fill the tank?"
    r = (
        f"Working together they finish 1/{x} + 1/{y} of the job each hour, which adds up to {x + y}/{x * y} of it. "
        f"The whole job therefore takes {x * y}/{x + y} = {_fmt(tog)} hours."
    )
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
    r = (
        f"The ratio has {m + n} parts in total, so each part is worth {T} divided by {m + n}, which is {unit}. "
        f"The second share is {n} of those parts, so it comes to {n * unit}."
    )
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
    r = (
        f"Let the younger person's age now be x. In {yrs} years the two ages will be x plus {yrs} and x plus "
        f"{diff + yrs}, and together they make {S}. That gives 2x = {S - diff - 2 * yrs}, so x is {b_age}."
    )
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
        r = (
            f"Call the three numbers x, x + 1 and x + 2. Their sum is 3x + 3, which must equal {S}, "
            f"so x is {n} and the largest number is {n + 2}."
        )
        return q, r, n + 2, _near(rng, n + 2, step=1), True
    S = 2 * n + 2
    q = f"Two consecutive even numbers add up to {2 * (2 * n) + 2}. What is the smaller number?"
    r = (
        f"Write the two even numbers as y and y + 2. Their sum 2y + 2 has to equal {2 * (2 * n) + 2}, "
        f"which means the smaller number y is {2 * n}."
    )
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
        r = (
            f"The village gained {b - a} people. Dividing the increase by the original population gives "
            f"{b - a} / {a}, which is {pct} percent."
        )
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
        r = (
            f"{name} has already read {num}/{den} of the book. Out of {pages} pages that makes {read} pages, "
            f"so {pages - read} pages are still waiting to be read."
        )
        return q, r, pages - read, _near(rng, pages - read, step=10), True
    q = f"A water tank holding {pages} litres is {num}/{den} full. How many more litres are needed to fill it?"
    r = (
        f"The tank already holds {num}/{den} of {pages} litres, which is {read} litres, "
        f"so it still needs {pages} - {read} = {pages - read} more."
    )
    return q, r, pages - read, _near(rng, pages - read, step=10), False


ARITHMETIC_TEMPLATES = [
    a_total,
    a_speed,
    a_discount,
    a_average,
    a_perimeter,
    a_interest,
    a_work,
    a_ratio,
    a_age,
    a_minutes,
    a_consecutive,
    a_shopping,
    a_cartons,
    a_percent_change,
    a_fraction,
]

"""Chinese arithmetic word problems for the bundled sample (sample_data/generator/make_sample.py): each template
takes (rng, k), k in {0, 1} choosing one of two phrasings, and returns (question, answer)."""

from __future__ import annotations

ZH_NAMES = ["小明", "小红", "李华", "王芳", "张伟", "刘洋", "陈静", "赵磊", "孙悦", "周涛"]


def z_total(rng, k):
    n = ZH_NAMES[rng.randrange(len(ZH_NAMES))]
    a, b = rng.randint(15, 60), rng.randint(10, 40)
    if k == 0:
        return (
            f"{n}有{a}张邮票，朋友又送给他{b}张，现在他一共有多少张邮票？",
            f"原来有{a}张，朋友又送了{b}张，求一共有多少张要用加法：{a}加{b}等于{a + b}。所以他现在一共有{a + b}张邮票。",
        )
    return (
        f"图书馆上午借出{a}本书，下午借出{b}本，这一天共借出多少本书？请写出算式。",
        f"把上午和下午借出的数量相加，{a}+{b}={a + b}（本）。所以这一天共借出{a + b}本书。",
    )


def z_change(rng, k):
    price, qty = rng.randint(3, 9), rng.randint(2, 6)
    pay = 50 if price * qty < 50 else 100
    if k == 0:
        return (
            f"一支钢笔{price}元，买{qty}支，付了{pay}元，应找回多少元？",
            f"先算出买钢笔一共花了多少钱：每支{price}元，买了{qty}支，{price}乘{qty}等于{price * qty}元。"
            f"再用付的钱减去总价：{pay}减{price * qty}等于{pay - price * qty}元。所以应该找回{pay - price * qty}元。",
        )
    return (
        f"妈妈去超市买了{qty}袋牛奶，每袋{price}元，她给收银员{pay}元，能找回几元？",
        f"牛奶总价是{qty}乘以{price}，等于{price * qty}元；{pay}减去{price * qty}得{pay - price * qty}。所以能找回{pay - price * qty}元。",
    )


def z_speed(rng, k):
    v, t = rng.choice([60, 80, 90, 120]), rng.randint(2, 5)
    if k == 0:
        return (
            f"一辆汽车每小时行驶{v}千米，{t}小时能行驶多少千米？",
            f"路程等于速度乘以时间。汽车每小时行驶{v}千米，一共行驶了{t}小时，{v}乘{t}等于{v * t}。所以{t}小时能行驶{v * t}千米。",
        )
    return (
        f"从甲地到乙地相距{v * t}千米，一辆货车{t}小时开完全程，它的平均速度是多少？",
        f"速度等于路程除以时间：{v * t}÷{t}={v}（千米/时）。这辆货车的平均速度是每小时{v}千米。",
    )


def z_rect(rng, k):
    length, w = rng.randint(6, 20), rng.randint(3, 9)
    if k == 0:
        return (
            f"一块长方形菜地长{length}米，宽{w}米，它的面积是多少平方米？",
            f"长方形的面积等于长乘以宽。这块菜地长{length}米、宽{w}米，{length}乘{w}等于{length * w}，所以菜地的面积是{length * w}平方米。",
        )
    return (
        f"学校要给一个长{length}米、宽{w}米的长方形花坛围上栅栏，栅栏至少要多长？",
        f"需要的栅栏长度就是花坛的周长：({length}+{w})×2={2 * (length + w)}（米）。所以栅栏至少长{2 * (length + w)}米。",
    )


def z_average(rng, k):
    vals = [rng.randint(70, 99) for _ in range(3)]
    vals[-1] += (3 - sum(vals) % 3) % 3
    s = sum(vals)
    if k == 0:
        return (
            f"小组三名同学的数学成绩分别是{vals[0]}分、{vals[1]}分和{vals[2]}分，平均分是多少？",
            f"求平均分要先把三名同学的成绩加起来，总分是{s}分；再除以人数3，得到平均分是{s // 3}分。",
        )
    return (
        f"一家文具店连续三天分别卖出{vals[0]}、{vals[1]}、{vals[2]}支铅笔，平均每天卖出多少支？",
        f"三天一共卖出{s}支，再除以3天，得到平均每天卖出{s // 3}支铅笔。",
    )


def z_discount(rng, k):
    p, zhe = rng.choice([100, 200, 240, 300, 500]), rng.choice([7, 8, 9])
    if k == 0:
        return (
            f"一件衣服原价{p}元，现在打{zhe}折出售，现价是多少元？",
            f"打{zhe}折的意思是按原价的百分之{zhe * 10}出售。原价{p}元，乘以{zhe / 10:g}等于{p * zhe // 10}元，所以现价是{p * zhe // 10}元。",
        )
    return (
        f"一台电风扇原价{p}元，商场促销打{zhe}折，买它能省下多少钱？",
        f"打{zhe}折后，现价是原价的百分之{zhe * 10}，也就是{p * zhe // 10}元。用原价减去现价，{p}减{p * zhe // 10}等于{p - p * zhe // 10}，所以能省下{p - p * zhe // 10}元。",
    )


def z_ratio(rng, k):
    m, n = rng.choice([(2, 3), (3, 4), (1, 2), (3, 5)])
    unit = rng.choice([6, 8, 10, 12])
    total = unit * (m + n)
    if k == 0:
        return (
            f"某班共有学生{total}人，男生和女生人数的比是{m}:{n}，女生有多少人？",
            f"男生和女生的比是{m}比{n}，可以把全班人数看作{m + n}份，每份是{total}除以{m + n}，等于{unit}人。"
            f"女生占其中的{n}份，{n}乘{unit}等于{n * unit}，所以女生有{n * unit}人。",
        )
    return (
        f"把{total}颗糖按{m}比{n}分给姐弟两人，弟弟分得较多的那份，弟弟分到几颗？",
        f"按{m}比{n}分，一共是{m + n}份，每份是{total}除以{m + n}，等于{unit}颗。弟弟得到其中的{n}份，就是{n * unit}颗。",
    )


def z_age(rng, k):
    child = rng.randint(6, 12)
    times = rng.choice([3, 4, 5] if k == 0 else [3, 5])
    if k == 0:
        return (
            f"今年爸爸的年龄是儿子的{times}倍，儿子今年{child}岁，爸爸比儿子大多少岁？",
            f"儿子今年{child}岁，爸爸的年龄是他的{times}倍，也就是{child * times}岁。两人相差{child * times}减{child}，等于{child * (times - 1)}岁。",
        )
    return (
        f"奶奶今年{child * times + 40}岁，孙女今年{child}岁，再过几年奶奶的年龄是孙女的{times}倍？设过x年列方程求解。",
        f"设再过x年。那时奶奶的年龄是{child * times + 40}加x岁，孙女是{child}加x岁，根据题意列方程："
        f"{child * times + 40}+x={times}×({child}+x)。整理后得到{times - 1}x=40，解得x={40 / (times - 1):g}。"
        f"所以再过{40 / (times - 1):g}年，奶奶的年龄正好是孙女的{times}倍。",
    )


def z_work(rng, k):
    a, b = rng.choice([(10, 15), (12, 6), (20, 30), (6, 3)])
    together = a * b // (a + b)
    if k == 0:
        return (
            f"一项工程，甲队单独做要{a}天完成，乙队单独做要{b}天完成，两队合作需要几天？",
            f"把整项工程看作单位1。甲队每天完成它的{a}分之一，乙队每天完成{b}分之一，"
            f"两队合作每天完成的部分相加正好是{together}分之一，所以合作需要{together}天。",
        )
    return (
        f"一个水池，单开甲管{a}小时注满，单开乙管{b}小时注满，两管同时打开几小时能注满？",
        f"把一池水看作单位1。甲管每小时注入{a}分之一，乙管每小时注入{b}分之一，两管合起来每小时注入{together}分之一，"
        f"因此{together}小时能把水池注满。",
    )


def z_unit(rng, k):
    h, m = rng.randint(1, 4), rng.randint(10, 50)
    if k == 0:
        return (
            f"一场课外活动持续了{h}小时{m}分钟，换算成分钟一共是多少分钟？",
            f"因为1小时等于60分钟，所以{h}小时就是{60 * h}分钟，再加上{m}分钟，一共是{60 * h + m}分钟。",
        )
    kg = h * 1000 + m * 10
    return (
        f"一袋大米重{kg}克，合几千克几克？请说明换算过程。",
        f"千克和克之间的进率是一千。把克数除以一千，商就是千克数，余数是剩下的克数，所以这袋大米重{kg // 1000}千克{kg % 1000}克。",
    )


def z_interest(rng, k):
    p, r, y = rng.choice([1000, 2000, 5000]), rng.choice([2, 3]), rng.randint(2, 3)
    i = p * r * y // 100
    if k == 0:
        return (
            f"王阿姨把{p}元存入银行，年利率{r}%，存{y}年，到期可得利息多少元？（按单利计算）",
            f"按单利计算，利息等于本金乘以年利率再乘以存款的年数。本金是{p}元，年利率百分之{r}，存了{y}年，算下来利息是{i}元。",
        )
    return (
        f"小刚把压岁钱{p}元存了{y}年定期，年利率是{r}%，到期时本金和利息一共多少元？",
        f"先求利息：本金{p}元乘以年利率百分之{r}，再乘以{y}年，得到{i}元。"
        f"再把利息和本金加起来，{p}加{i}等于{p + i}元，这就是到期时一共能取回的钱。",
    )


ARITH_ZH = [z_total, z_change, z_speed, z_rect, z_average, z_discount, z_ratio, z_age, z_work, z_unit, z_interest]

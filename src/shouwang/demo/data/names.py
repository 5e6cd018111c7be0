"""Name, place and profile fragments for generating the demo district's residents.

The demo must look like a real 吉林市昌邑区 caseload without describing any real person. Names are built
by drawing a surname and one or two given-name characters from the weighted pools below, so each
generated person is plausible for someone born 1920–1965 in north-east China but is not taken from any
register or record. Addresses combine real-sounding road names with random house numbers, and phone
numbers use real mainland mobile prefixes with random subscriber digits; none is meant to match a real
household or subscriber. Weights are approximate relative frequencies, not exact statistics.
"""

# (surname, weight): weights are roughly the national share in per cent (公安部 name reports), so the
# relative order is realistic; the generator only needs relative sizes, not a sum of 100.
# fmt: off
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.12), ("李", 7.00), ("张", 6.74), ("刘", 5.10), ("陈", 4.61),
    ("杨", 3.22), ("黄", 2.45), ("赵", 2.29), ("吴", 2.05), ("周", 1.97),
    ("徐", 1.59), ("孙", 1.52), ("马", 1.40), ("朱", 1.36), ("胡", 1.29),
    ("郭", 1.20), ("何", 1.18), ("林", 1.13), ("高", 1.13), ("罗", 1.07),
    ("郑", 1.01), ("梁", 0.99), ("谢", 0.81), ("宋", 0.76), ("唐", 0.76),
    ("许", 0.70), ("韩", 0.68), ("邓", 0.65), ("冯", 0.65), ("曹", 0.63),
    ("彭", 0.62), ("曾", 0.60), ("肖", 0.58), ("田", 0.57), ("董", 0.56),
    ("潘", 0.53), ("袁", 0.53), ("蔡", 0.51), ("蒋", 0.50), ("余", 0.50),
    ("于", 0.49), ("杜", 0.49), ("叶", 0.46), ("程", 0.46), ("魏", 0.45),
    ("苏", 0.45), ("吕", 0.44), ("丁", 0.43), ("任", 0.42), ("卢", 0.41),
    ("姚", 0.40), ("沈", 0.40), ("钟", 0.39), ("姜", 0.39), ("崔", 0.37),
    ("谭", 0.36), ("陆", 0.35), ("范", 0.34), ("汪", 0.34), ("廖", 0.33),
    ("石", 0.33), ("金", 0.32), ("韦", 0.31), ("贾", 0.31), ("夏", 0.30),
    ("付", 0.30), ("方", 0.29), ("邹", 0.28), ("熊", 0.28), ("白", 0.28),
    ("孟", 0.27), ("秦", 0.27), ("邱", 0.26), ("侯", 0.26), ("江", 0.25),
    ("尹", 0.25), ("薛", 0.24), ("闫", 0.24), ("段", 0.23), ("雷", 0.23),
    ("龙", 0.22), ("黎", 0.22), ("史", 0.22), ("陶", 0.21), ("贺", 0.21),
    ("毛", 0.20), ("郝", 0.20), ("顾", 0.20), ("龚", 0.19), ("邵", 0.19),
    ("欧阳", 0.05), ("司马", 0.01), ("上官", 0.01), ("诸葛", 0.01),
)
# fmt: on

# Given-name characters common among men born roughly 1920–1965.
# fmt: off
GIVEN_NAME_CHARS_MALE: tuple[str, ...] = (
    "国", "建", "明", "德", "福", "富", "贵", "山", "军", "志",
    "玉", "文", "华", "成", "海", "林", "永", "长", "胜", "利",
    "春", "生", "庆", "祥", "宝", "金", "才", "忠", "义", "民",
    "学", "仁", "广", "树", "清", "兴", "发", "有", "全", "振",
    "家", "保", "宏", "杰", "伟", "平", "东", "正", "强", "红",
    "卫", "刚", "力", "洪", "奎", "荣", "喜", "万", "财", "武",
    "元", "良",
)
# fmt: on

# Given-name characters common among women born roughly 1920–1965.
# fmt: off
GIVEN_NAME_CHARS_FEMALE: tuple[str, ...] = (
    "秀", "英", "兰", "珍", "桂", "芳", "玉", "淑", "凤", "华",
    "荣", "琴", "梅", "霞", "云", "香", "花", "莲", "翠", "琳",
    "丽", "敏", "静", "洁", "红", "艳", "萍", "娟", "素", "贞",
    "慧", "惠", "芬", "菊", "莉", "燕", "春", "金", "银", "彩",
    "月", "美", "爱", "丹", "清", "雪", "玲", "瑞", "杰", "琼",
    "娥", "秋", "冬", "娣", "芝", "媛", "雅", "茹", "佩", "文",
    "平", "珠",
)
# fmt: on

# (ethnicity, weight) for 吉林省: Han ~91%, Korean and Manchu ~4% each, Mongol and Hui small.
ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("汉族", 91.0),
    ("朝鲜族", 4.0),
    ("满族", 4.0),
    ("蒙古族", 0.6),
    ("回族", 0.4),
)

# Road names for building addresses such as "吉林市昌邑区解放北路123号5栋2单元301室".
# fmt: off
STREET_NAME_PARTS: tuple[str, ...] = (
    "解放北路", "解放东路", "重庆街", "延安路", "松江东路",
    "松江中路", "吉林大街", "北京路", "天津街", "民主路",
    "中康路", "遵义东路", "遵义西路", "通江路", "长春路",
    "上海路", "大连路", "沈阳街", "哈尔滨街", "山西街",
    "河南街", "东市场街", "新地号街", "文庙街", "临江门街",
    "光华路", "华山路", "哈达湾路", "东局子大街", "德胜路",
    "和平街", "青年路", "兴华街", "林园路", "吉林北大街",
    "昌邑街", "北山路", "安居路", "江湾路", "黄河路",
)
# fmt: on

# (relation, weight) of an emergency contact to the older person.
RELATIONS: tuple[tuple[str, float], ...] = (
    ("儿子", 30.0),
    ("女儿", 28.0),
    ("配偶", 15.0),
    ("儿媳", 6.0),
    ("女婿", 4.0),
    ("孙子", 5.0),
    ("孙女", 4.0),
    ("侄子", 3.0),
    ("邻居", 3.0),
    ("其他亲属", 2.0),
)

# Common chronic conditions among older people, as recorded in Chinese case files.
CHRONIC_CONDITIONS: tuple[str, ...] = (
    "高血压",
    "糖尿病",
    "冠心病",
    "慢性阻塞性肺疾病",
    "脑卒中后遗症",
    "骨关节炎",
    "阿尔茨海默病",
    "帕金森病",
    "慢性肾病",
    "骨质疏松",
    "白内障",
    "慢性心力衰竭",
)

# Approximate WGS-84 (lat, lon) centre of 昌邑区, 吉林市: the built-up area north of the 松花江 bend.
DISTRICT_CENTRE: tuple[float, float] = (43.88, 126.57)

# Radius around DISTRICT_CENTRE within which urban (street) communities are placed.
DISTRICT_RADIUS_KM: float = 6.0

# Real mainland China mobile number prefixes (first three digits of an 11-digit number).
# fmt: off
MOBILE_PREFIXES: tuple[str, ...] = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
    "147",
    "150", "151", "152", "153", "155", "156", "157", "158", "159",
    "166",
    "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189",
    "191", "198", "199",
)
# fmt: on

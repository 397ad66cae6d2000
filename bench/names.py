"""
The raw material of the synthetic book: names, regions, phone ranges and products.

Phone ranges are ones libphonenumber accepts as valid (tests/bench checks a sample), so
the book's numbers look like what ContactPoint.clean() would store.
"""

# The hundred most common Chinese surnames, most common first.
CN_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
CN_GIVEN_CHARS = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧建志平辉玲桂红鹏飞玉兰霞婷宇浩凯欣怡佳琳晨晓梅雪斌波宁鑫博文俊帅丹阳萍颖涵轩雨思梓睿诺嘉")
EN_FIRST = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William",
    "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher", "Lisa",
    "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret", "Steven", "Ashley", "Paul",
    "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kevin", "Michelle", "Olivia", "Harry", "Amelia", "George",
    "Isla", "Noah", "Ava", "Jack", "Sophie", "Oliver", "Grace", "Leo", "Freya", "Oscar", "Chloe", "Arthur", "Ella",
    "Priya", "Mohammed", "Aisha",
]
EN_LAST = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez",
    "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
    "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green",
    "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Evans", "Turner", "Phillips", "Campbell", "Parker",
    "Edwards", "Collins", "Stewart", "Morris", "Hughes", "Wood", "Hall", "Clarke", "Patel", "Khan", "Singh", "Murphy",
    "O'Brien", "Cooper", "Ward",
]

CN_REGIONS = ["Guangdong", "Shandong", "Henan", "Jiangsu", "Sichuan", "Hebei", "Hunan", "Zhejiang", "Anhui", "Hubei",
              "Guangxi", "Yunnan", "Jiangxi", "Liaoning", "Fujian", "Shaanxi", "Shanghai", "Beijing", "Chongqing",
              "Tianjin"]
CN_STREETS = ["建国路", "人民路", "解放路", "中山路", "长江路", "和平路", "新华路", "胜利路", "朝阳路", "南京路"]
UK_CITIES = ["London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Liverpool", "Bristol", "Sheffield", "Cardiff",
             "Edinburgh"]
EN_STREETS = ["High Street", "Station Road", "Church Lane", "Main Street", "Park Avenue", "Victoria Road", "Elm Street",
              "Maple Avenue", "Oak Street", "Mill Lane"]

# Mobile prefixes of the three CN carriers (+86 1xx xxxx xxxx).
CN_MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "157",
                      "158", "159", "166", "177", "180", "186", "187", "188", "189", "198", "199"]
# UK mobile blocks (+44 7xxx xxxxxx). libphonenumber gives UK numbers four zones
# (London, Jersey, Guernsey, Man), so the product stores no zone for them.
UK_MOBILE_PREFIXES = ["7400", "7401", "7500", "7510", "7800", "7810", "7850", "7960", "7970", "7980"]
# US area code -> (state, the single zone libphonenumber gives it, its standard UTC offset in hours)
US_AREAS = {
    "212": ("New York", "America/New_York", -5), "646": ("New York", "America/New_York", -5),
    "718": ("New York", "America/New_York", -5), "617": ("Massachusetts", "America/New_York", -5),
    "305": ("Florida", "America/New_York", -5), "404": ("Georgia", "America/New_York", -5),
    "312": ("Illinois", "America/Chicago", -6), "773": ("Illinois", "America/Chicago", -6),
    "214": ("Texas", "America/Chicago", -6), "713": ("Texas", "America/Chicago", -6),
    "303": ("Colorado", "America/Denver", -7), "415": ("California", "America/Los_Angeles", -8),
    "213": ("California", "America/Los_Angeles", -8), "310": ("California", "America/Los_Angeles", -8),
    "206": ("Washington", "America/Los_Angeles", -8),
}
MA_AREAS = ["617"]  # Massachusetts borrowers (US-MA profile)

CN_PRODUCTS = ["消费贷 Consumer loan", "现金贷 Cash loan", "分期 Instalment purchase", "信用贷 Credit loan"]
EN_PRODUCTS = ["Personal loan", "Instalment purchase", "Credit line", "Car loan"]

"""The starting catalogue: GB/T 43153-2023 《居家养老上门服务基本规范》's seven categories with their usual
items (DOMAIN.md §3), including the core set of the Jilin City plan (助餐 助洁 助浴 助急 助行 助医 助乐).

The main item of each kind carries the code of ``assessments.careplans.CARE_SERVICES`` (meal, cleaning,
bathing, emergency, walking, medical_escort, recreation, visit, basic_care, health, companionship,
errands, home_adaptation), so a care-plan line and the item ordered for it share a code; variants get
codes like ``meal_dine_in``. Guide prices (指导价) are in integer fen per unit: typical prices of a
prefecture-level city, which a bureau edits afterwards. Each item starts with its version 1 history row.
"""

from django.db import migrations

REASON = "初始服务目录（GB/T 43153-2023）"

# code, name, category, unit, minutes, guide price (fen), certificate, skill, subsidy payable
ITEMS = [
    # 生活照料 daily living: 助餐 助洁 助浴 助急 助行 助医 助乐
    ("meal", "助餐·送餐上门", "daily_living", "meal", 20, 1500, "health_certificate", "食品安全与配送", True),
    ("meal_dine_in", "助餐·老年食堂堂食", "daily_living", "meal", 30, 1200, "health_certificate", "", True),
    ("meal_home_cooking", "助餐·上门做饭", "daily_living", "session", 90, 5000, "health_certificate",
     "家常菜烹饪、老年膳食搭配", True),
    ("cleaning", "助洁·居室保洁", "daily_living", "hour", 60, 4000, "none", "居家保洁", True),
    ("cleaning_laundry", "助洁·衣物被褥洗涤", "daily_living", "session", 60, 3000, "none", "衣物分类洗涤", True),
    ("bathing", "助浴·上门助浴", "daily_living", "session", 60, 8000, "elder_caregiver",
     "助浴操作、防滑防跌", True),
    ("bathing_grooming", "助浴·洗头理发及修剪指甲", "daily_living", "session", 45, 3000, "elder_caregiver",
     "个人卫生照料", True),
    ("emergency", "助急·紧急呼叫响应", "daily_living", "session", 30, 3000, "elder_caregiver",
     "应急处置、急救常识", True),
    ("emergency_hotline", "助急·一键呼叫在线值守", "daily_living", "month", 30, 3000, "none",
     "呼叫中心值守", True),
    ("walking", "助行·陪同外出", "daily_living", "hour", 60, 3000, "none", "助行器具使用、安全陪护", True),
    ("medical_escort", "助医·陪同就医", "daily_living", "session", 180, 8000, "elder_caregiver",
     "就医流程、安全陪护", True),
    ("medical_prescription", "助医·代配药", "daily_living", "session", 90, 3000, "none", "医保购药流程", True),
    ("recreation", "助乐·文化娱乐活动", "daily_living", "session", 120, 2000, "none", "老年活动组织", True),
    # 基础照护 basic care
    ("basic_care", "居家基础照护", "basic_care", "hour", 60, 5000, "elder_caregiver", "生活照护", True),
    ("basic_care_dressing", "协助穿脱衣", "basic_care", "session", 20, 1500, "elder_caregiver", "", True),
    ("basic_care_feeding", "协助进食", "basic_care", "session", 30, 2000, "elder_caregiver",
     "喂食与防噎呛", True),
    ("basic_care_toileting", "协助如厕及排泄护理", "basic_care", "session", 20, 2000, "elder_caregiver",
     "排泄照护", True),
    ("basic_care_turning", "翻身拍背及压疮预防", "basic_care", "session", 30, 2500, "elder_caregiver",
     "压疮预防", True),
    ("basic_care_medication", "用药提醒", "basic_care", "session", 10, 1000, "elder_caregiver", "", True),
    ("basic_care_rehab", "康复训练", "basic_care", "session", 60, 8000, "therapist", "肢体功能训练", True),
    # 健康管理 health management
    ("health", "生命体征监测（体温、血压、脉搏、体重）", "health", "session", 20, 1000, "elder_caregiver",
     "生命体征测量", True),
    ("health_glucose", "血糖检测", "health", "session", 15, 1500, "nurse_licence", "指尖血糖检测", True),
    ("health_record", "建立健康档案", "health", "project", 60, 0, "nurse_licence", "健康评估与建档", False),
    ("health_advice", "健康指导（防跌倒、慢病用药）", "health", "session", 30, 2000, "nurse_licence",
     "健康教育", True),
    ("health_doctor_visit", "医生上门巡诊", "health", "session", 30, 5000, "doctor_licence", "全科诊疗", False),
    # 探访关爱 visiting
    ("visit", "上门探访", "visiting", "session", 30, 2000, "none", "沟通技巧、风险识别", True),
    ("visit_phone", "电话探访", "visiting", "session", 10, 500, "none", "沟通技巧", True),
    # 精神慰藉 emotional support
    ("companionship", "陪伴聊天", "emotional", "hour", 60, 2500, "none", "沟通技巧", True),
    ("companionship_counselling", "心理疏导", "emotional", "session", 60, 10000, "none",
     "心理咨询师或社会工作者资格", True),
    # 委托代办 errands
    ("errands", "代购物品", "errands", "session", 60, 2000, "none", "", True),
    ("errands_paperwork", "代办事务（证照、社保认证）", "errands", "session", 120, 3000, "none",
     "政务服务流程", True),
    ("errands_bills", "代缴费用（水电燃气、通讯）", "errands", "session", 30, 1000, "none", "", True),
    # 适老化改造 home adaptation
    ("home_adaptation", "防滑防跌改造（扶手、防滑地面）", "home_adaptation", "project", 480, 300000, "none",
     "适老化改造施工", True),
    ("home_adaptation_assessment", "居家环境评估", "home_adaptation", "project", 90, 20000, "none",
     "适老化评估", True),
    ("home_adaptation_monitoring", "智能监测设备安装（烟感、燃气、跌倒监测）", "home_adaptation", "project",
     120, 80000, "none", "智能设备安装调试", True),
]

FIELDS = ("code", "name", "category", "unit", "standard_minutes", "guide_price_fen",
          "required_certificate", "required_skill", "subsidy_payable")


def load(apps, schema_editor):
    ServiceItem = apps.get_model("catalog", "ServiceItem")
    ServiceItemVersion = apps.get_model("catalog", "ServiceItemVersion")
    for number, row in enumerate(ITEMS, start=1):
        values = dict(zip(FIELDS, row, strict=True))
        item = ServiceItem.objects.create(**values, position=number * 10, active=True, version=1)
        ServiceItemVersion.objects.create(
            item=item,
            version=1,
            action="created",
            values={
                "code": item.code,
                "name": item.name,
                "category": item.category,
                "unit": item.unit,
                "standard_minutes": item.standard_minutes,
                "required_skill": item.required_skill,
                "required_certificate": item.required_certificate,
                "guide_price_fen": item.guide_price_fen,
                "subsidy_payable": item.subsidy_payable,
                "active": True,
                "position": item.position,
            },
            changed_by=None,
            reason=REASON,
        )


def unload(apps, schema_editor):
    ServiceItem = apps.get_model("catalog", "ServiceItem")
    ServiceItemVersion = apps.get_model("catalog", "ServiceItemVersion")
    codes = [row[0] for row in ITEMS]
    ServiceItemVersion.objects.filter(item__code__in=codes).delete()
    ServiceItem.objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]

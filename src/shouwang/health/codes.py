"""The health app's reference data, kept as data in one place: the common chronic conditions of older
people with their ICD-10 codes, the names the registry used for them, each vital's measures with their
units, plausible ranges, default thresholds and LOINC codes.

ICD-10: three-character categories of the WHO ICD-10 as used in China's national version (GB/T 14396,
ICD-10 国家临床版); no well-kept list with Chinese names exists on PyPI, so the curated table below is
loaded into ``ConditionCode`` by a data migration (``0002_condition_codes``), and kept here so that the
migration, the tests and the registry's names read the same rows. A condition outside the table is kept
as text without a code. LOINC: the vital-signs codes of the FHIR R4 vital-signs profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# (code, Chinese name, English name)
CONDITION_CODES: tuple[tuple[str, str, str], ...] = (
    ("I10", "原发性高血压", "Essential (primary) hypertension"),
    ("I11", "高血压性心脏病", "Hypertensive heart disease"),
    ("I20", "心绞痛", "Angina pectoris"),
    ("I25", "慢性缺血性心脏病(冠心病)", "Chronic ischaemic heart disease"),
    ("I48", "心房颤动和扑动", "Atrial fibrillation and flutter"),
    ("I50", "心力衰竭", "Heart failure"),
    ("I63", "脑梗死", "Cerebral infarction"),
    ("I69", "脑血管病后遗症", "Sequelae of cerebrovascular disease"),
    ("I70", "动脉粥样硬化", "Atherosclerosis"),
    ("E11", "2型糖尿病", "Type 2 diabetes mellitus"),
    ("E78", "脂蛋白代谢紊乱(高脂血症)", "Disorders of lipoprotein metabolism and other lipidaemias"),
    ("E03", "甲状腺功能减退症", "Other hypothyroidism"),
    ("E66", "肥胖症", "Obesity"),
    ("M10", "痛风", "Gout"),
    ("J44", "慢性阻塞性肺疾病", "Other chronic obstructive pulmonary disease"),
    ("J45", "哮喘", "Asthma"),
    ("N18", "慢性肾脏病", "Chronic kidney disease"),
    ("N40", "前列腺增生", "Hyperplasia of prostate"),
    ("M81", "骨质疏松", "Osteoporosis without pathological fracture"),
    ("M17", "膝关节病", "Gonarthrosis (arthrosis of knee)"),
    ("M47", "脊椎关节强硬(颈腰椎病)", "Spondylosis"),
    ("M06", "类风湿性关节炎", "Other rheumatoid arthritis"),
    ("F03", "痴呆", "Unspecified dementia"),
    ("G30", "阿尔茨海默病", "Alzheimer disease"),
    ("G20", "帕金森病", "Parkinson disease"),
    ("F32", "抑郁发作", "Depressive episode"),
    ("H25", "老年性白内障", "Senile cataract"),
    ("H40", "青光眼", "Glaucoma"),
    ("H91", "听力减退", "Other hearing loss"),
    ("K29", "胃炎和十二指肠炎", "Gastritis and duodenitis"),
    ("K74", "肝纤维化和肝硬化", "Fibrosis and cirrhosis of liver"),
    ("C34", "支气管和肺恶性肿瘤", "Malignant neoplasm of bronchus and lung"),
)

# What the registry (elders.Elder.chronic_conditions, from spreadsheets and the form) wrote for a
# condition: mapped to its code when the elder's conditions are adopted into the health summary.
REGISTRY_NAMES: dict[str, str] = {
    "高血压": "I10",
    "原发性高血压": "I10",
    "糖尿病": "E11",
    "2型糖尿病": "E11",
    "冠心病": "I25",
    "心脏病": "I25",
    "心绞痛": "I20",
    "房颤": "I48",
    "心衰": "I50",
    "心力衰竭": "I50",
    "慢性心力衰竭": "I50",
    "脑梗": "I63",
    "脑梗死": "I63",
    "脑梗塞": "I63",
    "脑卒中": "I69",
    "中风": "I69",
    "脑卒中后遗症": "I69",
    "高血脂": "E78",
    "高脂血症": "E78",
    "慢阻肺": "J44",
    "慢性阻塞性肺疾病": "J44",
    "慢性支气管炎": "J44",
    "哮喘": "J45",
    "慢性肾病": "N18",
    "骨质疏松": "M81",
    "关节炎": "M17",
    "骨关节炎": "M17",
    "类风湿": "M06",
    "阿尔茨海默病": "G30",
    "老年痴呆": "F03",
    "痴呆": "F03",
    "帕金森": "G20",
    "帕金森病": "G20",
    "抑郁症": "F32",
    "白内障": "H25",
    "青光眼": "H40",
    "耳聋": "H91",
    "痛风": "M10",
    "胃炎": "K29",
    "前列腺增生": "N40",
    "甲减": "E03",
}


def registry_conditions(listed) -> list[tuple[str | None, str]]:
    """The registry's condition texts as ``(code, name)`` pairs, each once: a known name becomes its code
    with the table's Chinese name, any other text is kept as it was (no code), cut to the column's 60."""
    by_name = {name: code for code, name, _en in CONDITION_CODES} | REGISTRY_NAMES
    names = {code: name for code, name, _en in CONDITION_CODES}
    found: dict[str, tuple[str | None, str]] = {}
    for text in listed or []:
        text = str(text).strip()[:60]
        code = by_name.get(text)
        if text and (code or text) not in found:
            found[code or text] = (code, names[code] if code else text)
    return list(found.values())


ICD10_SYSTEM = "http://hl7.org/fhir/sid/icd-10"
LOINC_SYSTEM = "http://loinc.org"
UCUM_SYSTEM = "http://unitsofmeasure.org"


@dataclass(frozen=True)
class Measure:
    """One number of a reading: its plausible range (outside it the reading is refused as a typing or
    device error) and its default thresholds (outside ``low``–``high`` a care task; at or beyond
    ``urgent_low`` / ``urgent_high`` an incident). ``None`` means no such bound."""

    name: str
    unit: str  # UCUM
    loinc: str
    plausible: tuple[float, float]
    low: float | None
    high: float | None
    urgent_low: float | None
    urgent_high: float | None


MEASURES: dict[str, Measure] = {
    "systolic": Measure("systolic", "mm[Hg]", "8480-6", (50, 260), 90, 140, 80, 180),
    "diastolic": Measure("diastolic", "mm[Hg]", "8462-4", (30, 160), 60, 90, 45, 120),
    "heart_rate": Measure("heart_rate", "/min", "8867-4", (20, 250), 50, 100, 40, 130),
    "blood_glucose": Measure("blood_glucose", "mmol/L", "15074-8", (1.0, 35.0), 3.9, 11.1, 3.0, 16.7),
    "spo2": Measure("spo2", "%", "59408-5", (50, 100), 94, None, 90, None),
    "temperature": Measure("temperature", "Cel", "8310-5", (32.0, 43.0), 36.0, 37.3, 35.0, 39.0),
    "weight": Measure("weight", "kg", "29463-7", (20, 200), None, None, None, None),
}

# Each kind of vital and the measures a reading of it carries (blood pressure: two numbers).
KIND_MEASURES: dict[str, tuple[str, ...]] = {
    "blood_pressure": ("systolic", "diastolic"),
    "heart_rate": ("heart_rate",),
    "blood_glucose": ("blood_glucose",),
    "spo2": ("spo2",),
    "temperature": ("temperature",),
    "weight": ("weight",),
}
# The blood-pressure panel's own LOINC code (its two numbers are components).
BLOOD_PRESSURE_PANEL = "85354-9"
# Blood glucose is a laboratory result in FHIR's terms; the others are vital signs.
LABORATORY_KINDS = frozenset({"blood_glucose"})

# What the console and the error messages call each measure, and the unit they show.
MEASURE_LABELS = {
    "systolic": _("systolic pressure"),
    "diastolic": _("diastolic pressure"),
    "heart_rate": _("heart rate"),
    "blood_glucose": _("blood glucose"),
    "spo2": _("blood oxygen (SpO₂)"),
    "temperature": _("temperature"),
    "weight": _("weight"),
}
DISPLAY_UNITS = {
    "mm[Hg]": "mmHg",
    "/min": _("beats/min"),
    "mmol/L": "mmol/L",
    "%": "%",
    "Cel": "°C",
    "kg": "kg",
}

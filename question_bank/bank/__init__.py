"""Bank files: schemas (``schema``), cross-field rules (``rules``), the loader, the versions lock.

See ``question_bank/banks/README.md`` for the file format these modules implement.
"""

from question_bank.bank.dump import dump_items_to_yaml
from question_bank.bank.loader import POOL_ID_PREFIXES
from question_bank.bank.loader import load_bank
from question_bank.bank.loader import load_pool_text
from question_bank.bank.loader import record_versions
from question_bank.bank.loader import validate_bank
from question_bank.bank.problems import BankError
from question_bank.bank.problems import Problem
from question_bank.bank.versions import fingerprint

__all__ = [
    "POOL_ID_PREFIXES",
    "BankError",
    "Problem",
    "dump_items_to_yaml",
    "fingerprint",
    "load_bank",
    "load_pool_text",
    "record_versions",
    "validate_bank",
]

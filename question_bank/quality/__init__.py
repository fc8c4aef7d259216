"""The exam committee's first pass, done by the machine: item-writing flaws (``lint``) and the
coverage of the seeds' facts (``coverage``).

Both read the bank files as YAML (with line numbers) rather than the loaded ``Bank``, so they can
name the file and line of each finding and keep working on item types they do not know.
"""

from question_bank.quality.coverage import CoverageReport
from question_bank.quality.coverage import coverage_report
from question_bank.quality.lint import Finding
from question_bank.quality.lint import LintInputError
from question_bank.quality.lint import LintReport
from question_bank.quality.lint import lint_bank
from question_bank.quality.lint import lint_texts

__all__ = [
    "CoverageReport",
    "Finding",
    "LintInputError",
    "LintReport",
    "coverage_report",
    "lint_bank",
    "lint_texts",
]

"""Only what pyproject.toml cannot say: the wheel carries the bundled rulebooks.

They live in rules/ at the top of the repository, where rulebook authors work; the wheel carries them inside
the package as compliance/_rulebooks, where `DEFAULT_RULES` finds them once installed. Packages are still
found, not listed, so a new subpackage of compliance/ is never left out of the wheel.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["compliance", "compliance.*"]), "compliance._rulebooks"],
    package_dir={"compliance._rulebooks": "rules"},
    package_data={"compliance._rulebooks": ["**/*.yaml", "**/*.yml", "**/*.json", "**/*.txt", "**/*.md"]},
)

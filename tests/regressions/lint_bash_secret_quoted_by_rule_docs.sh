twine upload -p pypi-AgE

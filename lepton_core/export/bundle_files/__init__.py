"""Files copied as they are into every bundle; predict.py is the script users read and run."""

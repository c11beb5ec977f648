"""What the commands do, callable without the command line: check, draw and calibrate from files' names."""

package other

deny contains "other says no" if true

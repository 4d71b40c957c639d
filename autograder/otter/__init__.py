"""otter-grader and Gradescope: the autograder zip (`generate`) and its runtime (`runtime`)."""

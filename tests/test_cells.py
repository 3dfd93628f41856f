from pipeline.cells import digit_splits, parse_number, solve, to_yuan

ROW_TOTAL = [((0, 1, 2, 3, 4, 5), (6,))]


def test_parse_printed_numbers():
    assert parse_number("１２３").value == 123
    assert parse_number("1,234").value == 1234
    assert parse_number("+3").value == 3 and parse_number("+3").signed
    assert parse_number("-2").value == -2
    assert parse_number("22.67万元").unit == "万元"
    assert parse_number("1.") is None and parse_number("2、") is None  # enumerators
    assert parse_number("67 3 0") is None  # never glue separate cells together
    assert to_yuan(7730.28, "万元") == 77302800


def test_exact_row_is_taken_as_printed_even_when_the_sum_is_wrong():
    guesses = solve([1, 0, 0, 0, 0, 0, 5], 7, ROW_TOTAL)
    assert [g.value for g in guesses] == [1, 0, 0, 0, 0, 0, 5]
    assert all(g.how == "direct" for g in guesses)


def test_lost_blank_cell_is_inferred_only_when_every_reading_agrees():
    zeros = solve([0] * 6, 7, ROW_TOTAL)
    assert [g.value for g in zeros] == [0] * 7 and {g.how for g in zeros} == {"inferred"}
    mixed = solve([3, 0, 0, 0, 0, 3], 7, ROW_TOTAL)
    assert mixed[0].value is None and mixed[0].how == "ambiguous" and mixed[0].candidates == [0, 3]
    assert mixed[2].value == 0


def test_extra_number_is_dropped_only_when_unambiguous():
    assert [g.value for g in solve([1, 0, 0, 0, 0, 0, 1, 0], 7, ROW_TOTAL)] == [1, 0, 0, 0, 0, 0, 1]


def test_digit_splits():
    assert [1, 0, 0, 0, 0, 0, 1] in digit_splits("1000001", 7)
    assert all(len(s) == 3 for s in digit_splits("1234", 3))
    assert digit_splits("012", 2) == [[0, 12]]  # "01" is no number
    assert digit_splits("05", 1) == []

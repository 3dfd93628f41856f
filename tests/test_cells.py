from pipeline.cells import (digit_splits, is_run, misread_readings, parse_number, plausibility, run_splits, solve,
                            to_yuan)

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


def test_runs_split_with_their_sign_on_the_first_and_fraction_on_the_last_cell():
    assert [-18, 538] in run_splits("-18538", 2)
    assert all(s[0] < 0 and s[1] >= 0 for s in run_splits("-18538", 2))
    assert [395, 73802895.9] in run_splits("39573802895.90", 2)
    assert run_splits("12.5", 2) == [[1, 2.5]]
    assert not is_run("7") and is_run("-18") and is_run("000")


GE = lambda a, b: a >= b


def test_plausibility_orders_readings_only_where_rules_are_silent():
    kinds = ["count"] * 3
    balanced, lopsided = [77, 77, 166], [7, 777, 166]
    assert plausibility(balanced, kinds) > plausibility(lopsided, kinds)
    # a declared relation (column 2 >= column 1) outweighs balance
    assert plausibility([7, 77, 166], kinds, ((2, 1, GE),)) > plausibility([77, 771, 66], kinds, ((2, 1, GE),))


def test_most_plausible_reading_is_reported_but_stays_ambiguous():
    from pipeline.cells import run_together_readings

    readings = run_together_readings([7777166], {0: "7777166"}, 3)
    guesses = solve([7777166], 3, [], alternatives=readings,
                    prior=lambda cells: plausibility(cells, ["count"] * 3, ((2, 1, GE),)))
    assert [g.value for g in guesses] == [77, 77, 166]
    assert {g.how for g in guesses} == {"ambiguous"} and 7 in guesses[0].candidates
    tied = solve([107105], 3, [], alternatives=run_together_readings([107105], {0: "107105"}, 3),
                 prior=lambda cells: 0)
    assert all(g.value is None and g.candidates for g in tied)  # equally plausible readings: no value


def test_negative_counts_are_no_reading_of_a_row():
    # a lost cell: every placement of the printed -1 makes a count negative
    assert {g.how for g in solve([-1, 2], 3, [((0, 1), (2,))])} == {"conflict"}
    # in a signed column the same placement is a reading
    assert [g.value for g in solve([-1, 2], 3, [((0, 1), (2,))], signed=[True, False, False])][2] in (1, None)


def test_a_row_without_any_reading_is_in_no_joint_solution():
    # a lone "-1" in a row of three counts has no reading (every placement is a negative
    # count); the rules across rows then have nothing to settle, and the search must say so
    # rather than fail on the row
    from pipeline.cells import joint_solutions, row_readings

    lone = row_readings([-1], 3, [((0, 1), (2,))], [False] * 3)
    assert lone == []
    rows = [[([1, 2, 3], [0, 1, 2])], lone]
    assert joint_solutions(rows, [((0, 1), (2,)), ((0,), (3,))], [False] * 6) == []


def test_a_wrong_total_between_read_rows_does_not_keep_an_open_row_unsettled():
    # glued digits "1122" split two ways (1|12 or 11|2); the column sums below settle it.  A
    # total printed wrong in rows read one way only (13 beside 3) fails every combination:
    # it says nothing about the open row and must not keep the column sums from settling it
    from pipeline.assemble import _open_equations
    from pipeline.cells import joint_solutions

    rows = [[([1, 12], [0, 0]), ([11, 2], [0, 0])],  # open
            [([2, 1], [0, 1])],
            [([13, 3], [0, 1])]]  # column totals, one of them printed wrong against the other
    row_of = [0, 0, 1, 1, 2, 2]
    columns = [((0, 2), (4,)), ((1, 3), (5,))]
    wrong_total = [((4,), (5,))]
    assert joint_solutions(rows, columns + wrong_total, [False] * 6) == []
    kept = _open_equations(rows, columns + wrong_total, row_of)
    assert kept == columns
    assert [chosen for _, chosen in joint_solutions(rows, kept, [False] * 6)] == [[1, 0, 0]]
    # a row printed without numbers is open (read as empty or as lost): its rules stay
    unprinted = [rows[0], rows[1], [([None, None], [None, None])]]
    assert _open_equations(unprinted, columns + wrong_total, row_of) == columns + wrong_total


def test_unique_by_print_allows_lost_blank_cells():
    from pipeline.cells import unique_by_print

    free = [False] * 3
    # 000 over three cells is three zeros whichever cells were blank
    assert unique_by_print([0], {0: "000"}, 3, [], free)
    # 246 over three cells may be 246 beside two lost blanks, or 24|6, 2|46 beside one
    assert not unique_by_print([246], {0: "246"}, 3, [], free)
    # six zeros for seven cells with a total: zeros wherever the blank was
    assert unique_by_print([0] * 6, {}, 7, [((0, 1, 2, 3, 4, 5), (6,))], [False] * 7)
    # 10001 with a row total: 1|0|0|0|1 is the only reading the total allows
    assert unique_by_print([10001], {0: "10001"}, 5, [((0, 1, 2, 3), (4,))], [False] * 5)
    # 3 0 3 for four cells with a total: 3,0,_,3 or _,3,0,3 both hold
    assert not unique_by_print([3, 0, 3], {}, 4, [((0, 1, 2), (3,))], [False] * 4)
    # 1-9 over three cells may be 1, a dash for a blank, 9 (no separators): not 1|-9|0 for sure
    assert not unique_by_print([1, -9], {}, 3, [], [False, True, False])


def test_a_glued_run_beside_lost_blanks_is_split_the_ways_the_row_total_allows():
    from pipeline.cells import row_readings

    # `25126` over seven cells, every empty cell printed as nothing: 25, 1 and the total 26,
    # wherever the two parts stood; never 25126 in one cell, never 2|5|1|2|6
    found = row_readings([25126], 7, ROW_TOTAL, blanks_lost=True, runs={0: "25126"})
    assert found and {cells[6] for cells, _ in found} == {26}
    assert {tuple(sorted(v for v in cells[:6] if v)) for cells, _ in found} == {(1, 25)}
    # `22`: a part and the total, 2 and 2
    assert {cells[6] for cells, _ in row_readings([22], 7, ROW_TOTAL, blanks_lost=True, runs={0: "22"})} == {2}
    # `36 1 37`, cells apart, still reads as printed; a split of 36 or 37 breaks the total
    found = row_readings([36, 1, 37], 7, ROW_TOTAL, blanks_lost=True, runs={0: "36", 2: "37"})
    assert {tuple(v for v in cells if v) for cells, _ in found} == {(36, 1, 37)}


def test_lost_blank_splits_of_a_long_run_list_every_split_the_rules_keep():
    from pipeline.cells import lost_blank_splits

    def holds(cells):  # the row total: 总计 = the sum of the six parts
        zeroed = [0 if v is None else v for v in cells]
        return sum(zeroed[:6]) == zeroed[6]

    splits, complete = lost_blank_splits([61910751337781], {0: "61910751337781"}, 7, keep=holds)
    assert complete and [619, 107, 5, 13, 37, None, 781] in [cells for cells, _ in splits]


def test_a_repaired_read_that_breaks_its_row_is_left_to_the_rules():
    # section 四's 复议后起诉 cells: "lo" (a 0 beside a ruling's remnant) repaired to 10 breaks
    # 维持 + 纠正 + 其他 + 尚未审结 = 总计; the rules give that cell 0
    row = [0, 0, 0, 10, 0]
    total = [((0, 1, 2, 3), (4,))]
    assert misread_readings(row, {3}, total) == [([0, 0, 0, None, 0], [0, 1, 2, None, 4])]
    # a clean read that breaks the rule stays as printed (a wrong printed total is reported)
    assert misread_readings(row, set(), total) == []
    # a repaired read the rules agree with is no misread
    assert misread_readings([0, 0, 0, 10, 10], {3}, total) == []
    # where no single repaired cell makes the row hold, nothing is offered
    assert misread_readings([1, 0, 0, 10, 0], {3}, total) == []

import StrataFrame
import StrataKernels

extension RiskEngine {
    /// The names of the per-loan columns of ``loanMeasures(_:)``.
    public static let measureColumns = [
        "ead", "lgd_used", "pd_used", "el", "irb_k", "rwa", "capital", "provision", "asset_class",
        "floor_classification", "below_floor",
    ]

    /// The per-loan measures of `table` as a new table (same row order), with `loan_id` first when
    /// the input has it: EAD, LGD and PD used, EL, IRB K, RWA, capital, provision, asset class,
    /// the days-past-due floor class and whether the loan is classified better than its floor
    /// (1) or not (0). Money in currency units as computed (not rounded to cents).
    ///
    /// - Throws: ``RiskError/input(column:reason:)`` for bad inputs.
    /// - Complexity: O(rows), one parallel pass.
    public func loanMeasures(_ table: Table) throws(RiskError) -> Table {
        let inputs = try self.inputs(table)
        return loanMeasures(inputs, ids: table.hasColumn("loan_id") ? try? table.column(named: "loan_id") : nil)
    }

    /// The per-loan measures of resolved inputs (see ``loanMeasures(_:)``).
    public func loanMeasures(_ inputs: RiskInputs, ids: Column? = nil) -> Table {
        let n = inputs.count
        let doubles = (0..<8).map { _ in ColumnBufferBuilder<Double>(uninitializedCount: n) }
        let assetClass = ColumnBufferBuilder<UInt32>(uninitializedCount: n)
        let floor = ColumnBufferBuilder<UInt32>(uninitializedCount: n)
        let below = ColumnBufferBuilder<Int64>(uninitializedCount: n)
        _ = parallelChunks(count: n, threads: threads) { _, rows in
            doubles[0].withMutableSpan(in: rows) { ead in
                doubles[1].withMutableSpan(in: rows) { lgd in
                    doubles[2].withMutableSpan(in: rows) { pd in
                        doubles[3].withMutableSpan(in: rows) { el in
                            doubles[4].withMutableSpan(in: rows) { k in
                                doubles[5].withMutableSpan(in: rows) { rwa in
                                    doubles[6].withMutableSpan(in: rows) { capital in
                                        doubles[7].withMutableSpan(in: rows) { provision in
                                            assetClass.withMutableSpan(in: rows) { classes in
                                                floor.withMutableSpan(in: rows) { floors in
                                                    below.withMutableSpan(in: rows) { flags in
                                                        inputs.forEachLoan(in: rows) { row, _, m in
                                                            let i = row - rows.lowerBound
                                                            ead[i] = m.ead
                                                            lgd[i] = m.lgd
                                                            pd[i] = m.pd
                                                            el[i] = m.el
                                                            k[i] = m.k
                                                            rwa[i] = m.rwa
                                                            capital[i] = m.capital
                                                            provision[i] = m.provision
                                                            classes[i] = UInt32(m.assetClass.index)
                                                            floors[i] = UInt32(m.floorSeverity)
                                                            flags[i] = m.floorSeverity > m.severity ? 1 : 0
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let names = Self.measureColumns
        var columns = [Column]()
        if let ids { columns.append(ids) }
        for (i, builder) in doubles.enumerated() {
            columns.append(Column(name: names[i], values: .float64(builder.finish())))
        }
        columns.append(
            Column(
                name: names[8],
                values: .category(
                    CategoryValues(codes: assetClass.finish(), dictionary: AssetClass.allCases.map(\.rawValue)))))
        columns.append(
            Column(
                name: names[9],
                values: .category(CategoryValues(codes: floor.finish(), dictionary: LoanClass.allCases.map(\.label)))))
        columns.append(Column(name: names[10], values: .int64(below.finish())))
        // Column lengths agree by construction.
        return try! Table(columns: columns, rowCount: n)
    }

    /// The loans classified better than their days-past-due floor: loan id (when present),
    /// product, days past due, classification, floor class, balance and the provision shortfall.
    ///
    /// - Throws: ``RiskError/input(column:reason:)`` for bad inputs.
    public func belowFloorLoans(_ table: Table) throws(RiskError) -> Table {
        let inputs = try self.inputs(table)
        let found = parallelChunks(count: inputs.count, threads: threads) { _, rows in
            var local = [(row: Int, floor: Int, shortfall: Double)]()
            inputs.forEachLoan(in: rows) { row, _, m in
                if m.floorSeverity > m.severity { local.append((row, m.floorSeverity, m.provisionShortfall)) }
            }
            return local
        }
        let hits = found.flatMap { $0 }
        let ids: StringValues? = table.hasColumn("loan_id") ? try? table.string("loan_id") : nil
        var columns = [Column]()
        if let ids {
            columns.append(Column(name: "loan_id", values: .string(StringValues(hits.map { ids.value(at: $0.row) }))))
        }
        let products = inputs.products
        columns.append(
            Column(
                name: "product",
                values: .category(CategoryValues(hits.map { products[Int(inputs.productCodes[$0.row])] }))))
        columns.append(
            Column(name: "days_past_due", values: .int64(ColumnBuffer(hits.map { inputs.daysPastDue[$0.row] }))))
        columns.append(
            Column(
                name: "classification",
                values: .category(
                    CategoryValues(
                        hits.map { LoanClass(rawValue: inputs.severityByCode[Int(inputs.classCodes[$0.row])])!.label }))
            ))
        columns.append(
            Column(
                name: "floor_classification",
                values: .category(CategoryValues(hits.map { LoanClass(rawValue: $0.floor)!.label }))))
        columns.append(Column(name: "balance", values: .float64(ColumnBuffer(hits.map { inputs.balance[$0.row] }))))
        columns.append(
            Column(
                name: "provision_shortfall",
                values: .float64(ColumnBuffer(hits.map { Cents.double(Cents.of($0.shortfall)) }))))
        return try! Table(columns: columns, rowCount: hits.count)
    }
}

// One scenario at a time: each runs three node processes whose leases (3 s) and local deadlines (2.5 s) are real, and two
// clusters side by side on a 2-core machine starve each other into missed renewals that are no fault of the scenario.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

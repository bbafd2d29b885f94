"""The optional HDF5 results file of metasim.Pool (rank 0 only, with h5py): /results holds one
row of float64 per task (its numeric result, any fixed shape), /status one byte per task
(0 not run, 1 done, 2 failed), attribute n_tasks. A run given an existing file skips the tasks
it records as done and reads their results back (resume); failed and missing tasks run again."""
import numpy as np

PENDING, DONE, FAILED = 0, 1, 2


class ResultsFile:
    def __init__(self, path, n_tasks):
        import h5py
        self.path, self.n = path, n_tasks
        self.file = h5py.File(path, "a")
        if "status" in self.file:
            held = int(self.file.attrs.get("n_tasks", -1))
            if held != n_tasks:
                self.file.close()
                raise ValueError("%s: holds %d tasks, this map has %d" % (path, held, n_tasks))
        else:
            self.file.attrs["n_tasks"] = n_tasks
            self.file.create_dataset("status", (n_tasks,), dtype="u1")

    def resumed(self):
        """{index: result} of the tasks the file records as done."""
        status = self.file["status"][...]
        done = np.flatnonzero(status == DONE)
        if done.size == 0:
            return {}
        rows = self.file["results"][...]
        return {int(i): (float(rows[i]) if rows.ndim == 1 else rows[i]) for i in done}

    def write_pairs(self, start, pairs, failed):
        """Records a finished chunk, [(offset, result)] of the tasks start + offset; raises
        ValueError for a result that is not numeric or whose shape differs from the first one's."""
        for k, value in pairs:
            index = start + k
            if index in failed:
                self.file["status"][index] = FAILED
                continue
            row = np.asarray(value, dtype=float)
            if "results" not in self.file:
                self.file.create_dataset("results", (self.n,) + row.shape, dtype="f8", fillvalue=np.nan)
            if row.shape != self.file["results"].shape[1:]:
                raise ValueError("%s: task %d returned shape %s, the file holds %s"
                                 % (self.path, index, row.shape, self.file["results"].shape[1:]))
            self.file["results"][index] = row
            self.file["status"][index] = DONE
        self.file.flush()

    def close(self):
        self.file.close()

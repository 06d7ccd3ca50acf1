/* Seekline: an episode's alignment state, read from the episode JSON of GET /api/episodes[/<id>]
   (Episode.to_dict in server/library.py, its job from Job.to_dict in server/jobs.py). Loaded before library.js
   and player.js, which both poll it.
   window.seeklineStatus(episode) -> {status, aligned, fraction, stage, error}:
     status    "queued" | "running" | "succeeded" | "failed"
     aligned   true once its sync map is stored
     fraction  the job's percent as 0..1; null when the episode has no job
     stage     the job's stage, "" when there is none
     error     why it failed, "" when it did not */
(function () {
  "use strict";

  window.seeklineStatus = function (ep) {
    var job = ep.job;  // null for an episode whose sync map was stored without a job
    return {
      status: ep.status,
      aligned: ep.aligned === true || ep.status === "succeeded",
      fraction: job ? Math.min(1, Math.max(0, job.percent / 100)) : null,
      stage: (job && job.stage) || "",
      error: ep.error || "",
    };
  };
})();

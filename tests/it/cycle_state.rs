//! What a job remembers between cycles, on real databases (a SQLite file
//! and PostgreSQL): links, watermark, escrows, run status, staged deletes,
//! restart and purge.

use provisio_server::cycle::state::{
    CycleState, Failure, Linked, RunStatus, StagedAction, StagedDelete, StateError, StatusRecord,
};
use provisio_server::directory::ObjectType;
use provisio_server::store::Store;

use crate::backends::{Backend, backend_test};

const USER: ObjectType = ObjectType::User;

/// Runs `test` with a store on `backend`.
async fn with_store(backend: Backend, test: impl AsyncFn(Store)) {
    let store = Store::open(&backend.url).await.unwrap();
    test(store.clone()).await;
    store.close().await;
}

/// That hour of a fixed day (the tests have no `chrono` of their own: the
/// type comes from where the time goes).
macro_rules! at {
    ($hour:expr) => {
        format!("2026-11-26T{:02}:00:00Z", $hour).parse().unwrap()
    };
}

fn failure(permanent: bool) -> Failure {
    Failure {
        code: if permanent { "BadRequest" } else { "Timeout" }.into(),
        message: "the target said no".into(),
        permanent,
    }
}

fn staged(target: &str) -> StagedDelete {
    StagedDelete {
        object_type: USER,
        source_id: None,
        target_id: target.into(),
        action: StagedAction::Delete,
        staged_at: at!(3),
        cycle_id: "c1".into(),
    }
}

backend_test!(
    links_are_idempotent_replaceable_and_unique_both_ways,
    with_store,
    async |store| {
        let s = store.cycle_state("job");
        assert_eq!(s.link(USER, "u1", "t1", at!(1)).await.unwrap(), Linked::Created);
        assert_eq!(s.link(USER, "u1", "t1", at!(1)).await.unwrap(), Linked::Unchanged);
        let refused = s.link(USER, "u2", "t1", at!(1)).await;
        assert!(matches!(&refused, Err(StateError::TargetLinked { source_id, .. }) if source_id == "u1"));
        assert_eq!(
            s.link(USER, "u1", "t2", at!(2)).await.unwrap(),
            Linked::Replaced {
                previous_target: "t1".into()
            }
        );
        assert_eq!(s.link(USER, "u2", "t1", at!(2)).await.unwrap(), Linked::Created);
        assert_eq!(s.source_of(USER, "t2").await.unwrap().as_deref(), Some("u1"));
        assert_eq!(s.target_of(USER, "u2").await.unwrap().as_deref(), Some("t1"));
        assert_eq!(s.link_count(USER).await.unwrap(), 2);
        assert!(s.unlink(USER, "u2").await.unwrap());
        assert_eq!(s.source_of(USER, "t1").await.unwrap(), None);
        // Another job links the same objects independently.
        let other = store.cycle_state("other");
        assert_eq!(other.link(USER, "u1", "t2", at!(1)).await.unwrap(), Linked::Created);
    }
);

backend_test!(a_thousand_links_page_by_a_hundred, with_store, async |store| {
    let s = store.cycle_state("job");
    for i in 0..1000 {
        s.link(USER, &format!("u{i:04}"), &format!("t{i}"), at!(1))
            .await
            .unwrap();
    }
    assert_eq!(s.link_count(USER).await.unwrap(), 1000);
    let (mut seen, mut pages, mut after) = (Vec::new(), 0, None::<String>);
    loop {
        let page = s.links_page(USER, after.as_deref(), 100).await.unwrap();
        assert!(page.len() <= 100);
        pages += 1;
        seen.extend(page.iter().map(|l| (l.source_id.clone(), l.target_id.clone())));
        after = page.last().map(|l| l.source_id.clone());
        if page.len() < 100 {
            break;
        }
    }
    let expected: Vec<(String, String)> = (0..1000).map(|i| (format!("u{i:04}"), format!("t{i}"))).collect();
    assert_eq!(seen, expected);
    assert_eq!(pages, 11, "ten full pages and an empty one");
});

backend_test!(
    the_watermark_never_goes_back_and_restart_clears_it,
    with_store,
    async |store| {
        let s = store.cycle_state("job");
        assert_eq!(s.watermark().await.unwrap(), 0);
        assert!(s.advance_watermark(7).await.unwrap());
        assert!(!s.advance_watermark(5).await.unwrap());
        assert_eq!(s.watermark().await.unwrap(), 7);
        s.mark_initial_done().await.unwrap();
        s.link(USER, "u1", "t1", at!(1)).await.unwrap();
        s.escrow(USER, "u2", &failure(false), at!(1), at!(2)).await.unwrap();
        s.stage(&staged("t9")).await.unwrap();
        s.quarantine("EncounteredQuarantineException", at!(7), at!(1))
            .await
            .unwrap();

        s.restart().await.unwrap();
        let status = s.status().await.unwrap();
        assert_eq!(
            (status.watermark, status.initial_done, status.status),
            (0, false, RunStatus::Idle)
        );
        assert_eq!((status.quarantine_reason, status.staged_deletes), (None, 0));
        assert_eq!(s.escrow_count().await.unwrap(), 0);
        assert_eq!(s.link_count(USER).await.unwrap(), 1, "links survive");
    }
);

backend_test!(escrows_count_attempts_and_fall_due_by_time, with_store, async |store| {
    let s = store.cycle_state("job");
    s.escrow(USER, "u1", &failure(false), at!(1), at!(2)).await.unwrap();
    let again = s.escrow(USER, "u1", &failure(false), at!(2), at!(5)).await.unwrap();
    assert_eq!(
        (again.attempts, again.first_failed_at, again.next_attempt_at),
        (2, at!(1), at!(5))
    );
    s.escrow(USER, "u2", &failure(false), at!(1), at!(3)).await.unwrap();
    s.escrow(USER, "u3", &failure(true), at!(1), at!(1)).await.unwrap();
    assert!(due(&s, 2).await.is_empty());
    assert_eq!(due(&s, 3).await, ["u2"]);
    assert_eq!(due(&s, 6).await, ["u2", "u1"]);
    assert!(s.clear_escrow(USER, "u2").await.unwrap());
    assert_eq!(s.escrow_count().await.unwrap(), 2);
});

async fn due(s: &CycleState, hour: u32) -> Vec<String> {
    let escrows = s.due_escrows(at!(hour), None, 10).await.unwrap();
    escrows.into_iter().map(|e| e.source_id).collect()
}

backend_test!(the_run_record_round_trips, with_store, async |store| {
    let s = store.cycle_state("job");
    assert_eq!(s.status().await.unwrap(), StatusRecord::default());
    s.start_cycle("c1", 40, at!(1)).await.unwrap();
    s.progress(10).await.unwrap();
    let running = s.status().await.unwrap();
    assert_eq!(running.status, RunStatus::Running);
    assert_eq!((running.progress_done, running.progress_total), (10, 40));
    let counts = provisio_api::jobs::status::CycleCounts {
        objects: 40,
        actions: [("create".to_owned(), 40)].into(),
        ..Default::default()
    };
    s.finish_cycle(&counts, at!(2)).await.unwrap();
    let done = s.status().await.unwrap();
    assert_eq!(done.status, RunStatus::Idle);
    assert_eq!(done.last_cycle_id.as_deref(), Some("c1"));
    assert_eq!(
        (done.last_cycle_started_at, done.last_cycle_finished_at),
        (Some(at!(1)), Some(at!(2)))
    );
    assert_eq!(done.last_cycle_counts, Some(counts));

    s.quarantine("EncounteredQuarantineException", at!(7), at!(1))
        .await
        .unwrap();
    s.quarantine("EncounteredQuarantineException", at!(13), at!(7))
        .await
        .unwrap();
    let q = s.status().await.unwrap();
    assert_eq!(
        (q.status, q.quarantined_since, q.next_retry_at),
        (RunStatus::Quarantined, Some(at!(1)), Some(at!(13)))
    );
    s.leave_quarantine().await.unwrap();
    assert_eq!(s.status().await.unwrap().status, RunStatus::Idle);
    for status in RunStatus::ALL {
        s.set_status(status).await.unwrap();
        assert_eq!(s.status().await.unwrap().status, status);
    }
});

backend_test!(purging_a_job_leaves_nothing_of_it, with_store, async |store| {
    let fill = async |s: &CycleState| {
        s.link(USER, "u1", "t1", at!(1)).await.unwrap();
        s.advance_watermark(3).await.unwrap();
        s.escrow(USER, "u2", &failure(false), at!(1), at!(2)).await.unwrap();
        s.stage(&staged("t2")).await.unwrap();
    };
    let (gone, kept) = (store.cycle_state("gone"), store.cycle_state("kept"));
    fill(&gone).await;
    fill(&kept).await;
    gone.purge().await.unwrap();
    assert_eq!(gone.status().await.unwrap(), StatusRecord::default());
    assert_eq!(gone.link_count(USER).await.unwrap(), 0);
    assert_eq!(gone.escrow_count().await.unwrap(), 0);
    let status = kept.status().await.unwrap();
    assert_eq!((status.watermark, status.staged_deletes), (3, 1));
    assert_eq!(kept.link_count(USER).await.unwrap(), 1);
    assert_eq!(kept.escrow_count().await.unwrap(), 1);
});

use super::*;

fn choice(target: &str, effects: &[(&str, i32)], line: usize) -> Choice {
    Choice {
        text: format!("go to {target}"),
        target: target.into(),
        effects: effects.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        line,
        ..Choice::default()
    }
}

fn scene(id: &str, line: usize, choices: Vec<Choice>) -> Scene {
    Scene {
        id: id.into(),
        choices,
        line,
        ..Scene::default()
    }
}

fn ending(id: &str, line: usize, score: i32) -> Scene {
    Scene {
        id: id.into(),
        ending: Some(Ending {
            outcome: Outcome::Resolved,
            score,
        }),
        line,
        ..Scene::default()
    }
}

fn sample() -> ScenarioGraph {
    ScenarioGraph {
        scenes: vec![
            scene(
                "start",
                1,
                vec![
                    choice("listen", &[("empathy", 2)], 3),
                    choice("script", &[("empathy", -1)], 5),
                ],
            ),
            scene(
                "listen",
                8,
                vec![
                    choice("resolved", &[("ownership", 1)], 10),
                    choice("start", &[], 11),
                ],
            ),
            scene("script", 14, vec![choice("lost", &[("empathy", -2)], 16)]),
            ending("resolved", 20, 10),
            ending("lost", 24, 0),
        ],
    }
}

#[test]
fn a_sound_graph_has_no_issues() {
    assert_eq!(sample().issues(), vec![]);
}

#[test]
fn score_ranges_cover_every_route_once_per_scene() {
    let r = sample().score_ranges();
    // start→listen→resolved: +2; start→script→lost: -3. The loop back to
    // the start cannot add empathy twice.
    assert_eq!(r["empathy"], ScoreRange { min: -3, max: 2 });
    assert_eq!(r["ownership"], ScoreRange { min: 0, max: 1 });
}

#[test]
fn finds_missing_targets_dead_ends_and_unreachable_scenes() {
    let mut g = sample();
    g.scenes[2].choices[0].target = "nowhere".into();
    g.scenes
        .push(scene("orphan", 30, vec![choice("lost", &[], 31)]));
    g.scenes.push(scene("stuck", 34, vec![]));
    g.scenes[1].choices.push(choice("stuck", &[], 12));
    let issues = g.issues();
    let lines: Vec<usize> = issues.iter().map(|i| i.line).collect();
    assert!(
        issues
            .iter()
            .any(|i| i.line == 16 && i.message.contains("`nowhere`, which does not exist")),
        "{issues:?}"
    );
    assert!(
        issues
            .iter()
            .any(|i| i.line == 30 && i.message.contains("no route from the start")),
        "{issues:?}"
    );
    assert!(
        issues
            .iter()
            .any(|i| i.line == 34 && i.message.contains("no choices and is not an ending")),
        "{issues:?}"
    );
    assert!(
        issues
            .iter()
            .any(|i| i.line == 14 && i.message.contains("caught in a loop")),
        "{issues:?}"
    );
    assert!(
        !lines.contains(&1),
        "the start can still finish: {issues:?}"
    );
}

#[test]
fn a_loop_with_no_way_out_is_reported() {
    let g = ScenarioGraph {
        scenes: vec![
            scene("a", 1, vec![choice("b", &[], 2), choice("end", &[], 3)]),
            scene("b", 5, vec![choice("c", &[], 6)]),
            scene("c", 8, vec![choice("b", &[], 9)]),
            ending("end", 12, 1),
        ],
    };
    let issues = g.issues();
    assert_eq!(
        issues
            .iter()
            .filter(|i| i.message.contains("caught in a loop"))
            .count(),
        2,
        "{issues:?}"
    );
}

#[test]
fn no_reachable_ending_and_duplicate_ids() {
    let g = ScenarioGraph {
        scenes: vec![
            scene("a", 1, vec![choice("a", &[], 2)]),
            scene("a", 4, vec![choice("a", &[], 5)]),
        ],
    };
    let issues = g.issues();
    assert!(
        issues
            .iter()
            .any(|i| i.line == 4 && i.message.contains("used twice (first on line 1)")),
        "{issues:?}"
    );
    assert!(
        issues
            .iter()
            .any(|i| i.message == "no ending can be reached from the start"),
        "{issues:?}"
    );
    assert!(ScenarioGraph { scenes: vec![] }.issues()[0]
        .message
        .contains("no scenes"));
}

/// On graphs without loops the linear pass agrees with the search over
/// every route.
#[test]
fn dag_ranges_agree_with_exhaustive_search() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..300 {
        let n = (next() % 10 + 2) as usize;
        let scenes: Vec<Scene> = (0..n)
            .map(|i| {
                if i == n - 1 || (i > 0 && next() % 4 == 0) {
                    ending(&format!("s{i}"), i + 1, 0)
                } else {
                    let k = next() % 3 + 1;
                    scene(
                        &format!("s{i}"),
                        i + 1,
                        (0..k)
                            .map(|_| {
                                let t = i + 1 + (next() % (n - i - 1) as u64) as usize;
                                let e = (next() % 7) as i32 - 3;
                                choice(&format!("s{t}"), &[("empathy", e)], i + 1)
                            })
                            .collect(),
                    )
                }
            })
            .collect();
        let g = ScenarioGraph { scenes };
        let edges = g.edges();
        let mut best = None;
        let mut budget = u64::MAX;
        let weight = |c: &Choice| c.effects.get("empathy").copied().unwrap_or(0);
        walk(&g, &edges, &weight, &mut best, &mut budget);
        assert_eq!(dag_range(&edges, &g.scenes, &weight), best, "{g:?}");
    }
}

/// A loop at the end of a very long chain: the search for score ranges
/// must not recurse once per scene (it would overflow the stack).
#[test]
fn score_ranges_of_a_huge_scenario_with_a_loop_use_no_deep_stack() {
    let n = 200_000;
    let mut scenes: Vec<Scene> = (0..n)
        .map(|i| {
            scene(
                &format!("s{i}"),
                i + 1,
                vec![choice(&format!("s{}", i + 1), &[("empathy", 1)], i + 1)],
            )
        })
        .collect();
    scenes[n - 1].choices.push(choice("s0", &[], n));
    scenes.push(ending(&format!("s{n}"), n + 1, 0));
    let g = ScenarioGraph { scenes };
    let run = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || g.score_ranges())
        .unwrap();
    let r = run.join().expect("no stack overflow");
    assert_eq!(
        r["empathy"],
        ScoreRange {
            min: n as i32,
            max: n as i32
        }
    );
}

/// Reachability agrees with a brute-force walk of every route on random graphs.
#[test]
fn reachability_agrees_with_brute_force_on_random_graphs() {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..300 {
        let n = (next() % 9 + 1) as usize;
        let scenes: Vec<Scene> = (0..n)
            .map(|i| {
                if next() % 4 == 0 {
                    ending(&format!("s{i}"), i + 1, 0)
                } else {
                    let k = next() % 3;
                    scene(
                        &format!("s{i}"),
                        i + 1,
                        (0..k)
                            .map(|_| choice(&format!("s{}", next() % n as u64), &[], i + 1))
                            .collect(),
                    )
                }
            })
            .collect();
        let g = ScenarioGraph { scenes };
        // Brute force: every sequence of choices up to n steps.
        let mut brute: HashSet<usize> = HashSet::from([0]);
        let mut frontier = vec![0usize];
        for _ in 0..n {
            let mut next_frontier = Vec::new();
            for &i in &frontier {
                for c in &g.scenes[i].choices {
                    let t: usize = c.target[1..].parse().unwrap();
                    brute.insert(t);
                    next_frontier.push(t);
                }
            }
            frontier = next_frontier;
        }
        assert_eq!(g.reachable(), brute, "{g:?}");
    }
}

#[test]
fn a_share_is_the_place_in_the_range() {
    let r = ScoreRange { min: -4, max: 6 };
    assert_eq!(r.share(-4), Some(0));
    assert_eq!(r.share(6), Some(100));
    assert_eq!(r.share(1), Some(50));
    assert_eq!(r.share(0), Some(40));
    assert_eq!(r.share(-9), Some(0), "clamped");
    assert_eq!(ScoreRange { min: 2, max: 2 }.share(2), None);
    assert_eq!(ScoreRange { min: 0, max: 3 }.share(1), Some(33));
    assert_eq!(ScoreRange { min: 0, max: 3 }.share(2), Some(67));
}

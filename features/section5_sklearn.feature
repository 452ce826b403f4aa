@section-5
Feature: Comparison with scikit-learn (article, section 5)
  The article fits scikit-learn's LinearRegression on the same split, prints its
  test scores, calls the two models nearly identical, puts the MSE gap down to
  numerical precision and reads the agreement as proof that its implementation
  is correct. scikit-learn solves least squares exactly; we measure how far the
  200,000-epoch model is from that solution, and why. Runs longer than the
  article's are not looped: the implementation's own update, read off its gradient
  and checked against its own training runs, is applied the stated number of times
  exactly.
  Article's section: "5. Validation: Comparing with Scikit-Learn"

  @claim-5.1 @holds
  Rule: scikit-learn's test mean squared error is 3368.04
    Article: "3368.04" (section 5, comparison table)
    Article's figure: 3368.04

    @reference
    Scenario: The test mean squared error of scikit-learn
      Given the article's split of the diabetes data
      Then scikit-learn scores a test mean squared error of 3368.04 to two decimals

  @claim-5.2 @holds
  Rule: scikit-learn's test R^2 is 0.40 to the two decimals the article prints
    The article prints scikit-learn's R^2 with two decimals and its own with four;
    claim 5.5 shows what the coarser rounding hides.
    Article: "R2 score: %.2f" (section 5)
    Article's figure: 0.40

    @reference
    Scenario: scikit-learn's test R^2 to two decimals
      Given the article's split of the diabetes data
      Then scikit-learn scores a test R^2 of 0.40 to two decimals

  @claim-5.3 @erratum
  Rule: The two models are different models, with test errors 1.6 % apart and coefficients far apart
    Article: "The results are nearly identical!" (section 5)
    Builds on: claim-2.1, claim-2.3, claim-2.5, claim-4.4

    Scenario: The test mean squared errors differ by 1.6 %
      Given the article's 200,000-epoch run on the diabetes data
      When the test mean squared errors of gradient descent and scikit-learn are compared
      Then they differ by 52.55 to two decimals
      And that is 1.6 % of scikit-learn's to one decimal

    Scenario Outline: The coefficient of <feature> differs between the models
      Given the article's 200,000-epoch run on the diabetes data
      Then gradient descent weighs <feature> by <ours> to one decimal
      And that is <gap> from scikit-learn's weight to one decimal

      Examples:
        | feature | ours   | gap    |
        | s1      | -74.6  | 942.8  |
        | s2      | -121.5 | -760.3 |
        | s3      | -225.8 | -411.8 |
        | s5      | 496.4  | -383.8 |

    @reference
    Scenario Outline: scikit-learn's coefficient of <feature>
      Given the article's split of the diabetes data
      Then scikit-learn weighs <feature> by <theirs> to one decimal

      Examples:
        | feature | theirs  |
        | s1      | -1017.4 |
        | s2      | 638.8   |
        | s3      | 185.9   |
        | s5      | 880.2   |

  @claim-5.4 @erratum
  Rule: The gap is not numerical precision: at a learning rate 200 times below the stable bound, gradient descent stopped early on an ill-conditioned problem
    In double precision the implementation's own gradient descent, run long enough,
    reproduces scikit-learn's model to seven figures. The curvature of the loss differs 52,000-fold between directions (claim 4.6), and
    at the article's 0.01, 200 times below the stable bound (claim 4.7), the flat
    directions have barely moved after 200,000 epochs (test errors 52.55 apart,
    claim 5.3). The gap closes when gradient descent runs longer, or as long at a
    learning rate near the bound.
    Article: "The slight difference in MSE is due to minor numerical precision variations" (section 5)
    Builds on: claim-2.1, claim-2.3, claim-2.5, claim-4.1

    Scenario: Gradient descent in double precision reaches scikit-learn's test error
      Given the implementation's update on the training rows, checked against its own 200,000-epoch run
      When the update is applied 1,000,000,000 times at learning rate 0.01
      Then its test mean squared error equals scikit-learn's to seven significant figures

    Scenario Outline: After <epochs> epochs at <rate> the test error is <gap> from scikit-learn's
      Given the implementation's update on the training rows, checked against its own 200,000-epoch run
      When the update is applied <epochs> times at learning rate <rate>
      Then its test mean squared error differs from scikit-learn's by <gap> to two decimals

      Examples:
        | epochs      | rate                                | gap   |
        | 10,000,000  | 0.01                                | 12.11 |
        | 100,000,000 | 0.01                                | 0.00  |
        | 200,000     | 0.99 times the stable learning rate | 0.04  |

  @claim-5.5 @erratum
  Rule: The two test R^2 agree only when rounded to two decimals
    Article: "the R^2 scores match perfectly" (section 5)
    Builds on: claim-2.1, claim-2.3, claim-2.5, claim-4.3

    Scenario Outline: The two test R^2 rounded to <decimals> decimals
      Given the article's 200,000-epoch run on the diabetes data
      Then gradient descent scores a test R^2 of <ours> to <decimals> decimals
      And rounded to <decimals> decimals the two test R^2 are <alike>

      Examples:
        | decimals | ours   | alike     |
        | two      | 0.40   | equal     |
        | three    | 0.405  | different |
        | four     | 0.4045 | different |

    @reference
    Scenario Outline: scikit-learn's test R^2 rounded to <decimals> decimals
      Given the article's split of the diabetes data
      Then scikit-learn scores a test R^2 of <theirs> to <decimals> decimals

      Examples:
        | decimals | theirs |
        | three    | 0.395  |
        | four     | 0.3951 |

  @claim-5.6 @erratum
  Rule: The comparison does not confirm the implementation; the gradient check and convergence to the optimum do
    The article's 200,000-epoch model, which it compares, is not scikit-learn's
    model, so agreement cannot be what shows the code right. What does: the
    gradients are the loss's derivatives, and gradient descent run long enough
    reaches scikit-learn's parameters.
    Article: "This confirms that our from-scratch implementation is mathematically correct" (section 5)
    Builds on: claim-2.1, claim-2.3, claim-2.5

    Scenario: The compared model is not scikit-learn's
      Given the article's 200,000-epoch run on the diabetes data
      Then gradient descent's parameters are 1338 from scikit-learn's to the nearest whole number

    Scenario: The gradients are the loss's derivatives at the article's final parameters
      Given the article's 200,000-epoch run on the diabetes data
      Then dw and db at gradient descent's parameters are the loss's derivatives there

    Scenario: Gradient descent run long enough reaches scikit-learn's parameters
      Given the implementation's update on the training rows, checked against its own 200,000-epoch run
      When the update is applied 1,000,000,000 times at learning rate 0.01
      Then its parameters equal scikit-learn's to seven significant figures

  @claim-5.7 @holds
  Rule: Run top to bottom in one session, the sections leave the data and parameters that later ones use as they found them
    The article's code is one session: section 4 predicts with the parameters section 3
    trained, and section 5 fits scikit-learn on the same training rows and scores it on the
    same test rows. That is sound only if no function writes into what it is given (its
    initialize_params is given a count only). Section 5's import also puts
    scikit-learn's r2_score in the place of the article's; the two agree on the trained
    model's predictions, so nothing the article prints changes.
    Article: "from sklearn.metrics import mean_squared_error, r2_score" (section 5)
    Builds on: claim-2.5, claim-4.1, claim-4.2

    Scenario Outline: <function> leaves its arguments as it found them
      Given the article's split of the diabetes data
      When <function> is called as the article calls it
      Then every argument it was given is unchanged, bit for bit

      Examples:
        | function     |
        | linear_loss  |
        | linear_train |
        | predict      |
        | r2_score     |

    Scenario: scikit-learn's r2_score, imported in place of the article's, scores the trained model alike
      Given the article's 200,000-epoch run on the diabetes data
      When the trained model's test predictions are scored by both r2_score functions
      Then the two agree to twelve decimals
